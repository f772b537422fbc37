// Card JSON 2.0 validation ("卡片 JSON 2.0 结构": unsupported properties are rejected). The components the
// simulator models are checked property by property; other 2.0 components are accepted unchecked; tags that do not
// exist in 2.0 (the 1.0 `action` module, unknown names) are refused. JSON 1.0 cards are not checked.

/** Feishu's card sub-codes, carried in `msg` of code 230099: 200621 = bad property/type/JSON, 200861 = bad tag. */
export type CardErrCode = 200621 | 200861;

export class CardError extends Error {
  constructor(
    readonly errCode: CardErrCode,
    message: string,
    readonly errorValue: string,
  ) {
    super(message);
  }

  /** The `msg` Feishu answers with code 230099. */
  feishuMessage(verb: 'create' | 'update'): string {
    return `Failed to ${verb} card content, ext=ErrCode: ${this.errCode}; ErrMsg: ${this.message}; ErrorValue: ${this.errorValue};`;
  }
}

type Check = (value: unknown, path: string) => void;
type Spec = Record<string, Check>;

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? String(value)).slice(0, 120);
};

const wrongType = (path: string, expected: string, value: unknown): CardError =>
  new CardError(200621, `${path} must be ${expected}`, show(value));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const string: Check = (v, path) => {
  if (typeof v !== 'string') throw wrongType(path, 'a string', v);
};
const number: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType(path, 'a number', v);
};
const boolean: Check = (v, path) => {
  if (typeof v !== 'boolean') throw wrongType(path, 'a boolean', v);
};
const oneOf =
  (...values: string[]): Check =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) throw wrongType(path, `one of ${values.join('|')}`, v);
  };
/** Any JSON object (contents not modelled: styles, i18n maps, streaming config). */
const freeObject: Check = (v, path) => {
  if (!isObject(v)) throw wrongType(path, 'an object', v);
};
const stringOrObject: Check = (v, path) => {
  if (typeof v !== 'string' && !isObject(v)) throw wrongType(path, 'a string or an object', v);
};
const arrayOf =
  (item: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) throw wrongType(path, 'an array', v);
    v.forEach((entry, i) => item(entry, `${path}[${i}]`));
  };

function object(spec: Spec, required: string[] = []): Check {
  return (v, path) => {
    if (!isObject(v)) throw wrongType(path, 'an object', v);
    for (const [key, value] of Object.entries(v)) {
      const check = spec[key];
      if (!check) throw new CardError(200621, `unknown property ${key} in ${path}`, key);
      check(value, `${path}.${key}`);
    }
    for (const key of required) {
      if (!(key in v)) throw new CardError(200621, `${path}.${key} is required`, key);
    }
  };
}

const ALIGN = oneOf('left', 'center', 'right');

const text = object(
  {
    tag: oneOf('plain_text', 'lark_md'),
    element_id: string,
    content: string,
    i18n_content: freeObject,
    text_size: string,
    text_color: string,
    text_align: ALIGN,
    lines: number,
  },
  ['tag'],
);

const icon = object(
  { tag: oneOf('standard_icon', 'custom_icon'), token: string, color: string, img_key: string, size: string },
  ['tag'],
);

const url = { default_url: string, pc_url: string, ios_url: string, android_url: string };

const behavior: Check = (v, path) => {
  if (!isObject(v)) throw wrongType(path, 'an object', v);
  switch (v.type) {
    case 'open_url':
      return object({ type: string, ...url }, ['default_url'])(v, path);
    case 'callback':
      return object({ type: string, value: stringOrObject })(v, path);
    case 'form_action':
      return object({ type: string, behavior: oneOf('submit', 'reset') })(v, path);
    default:
      throw new CardError(200621, `${path}.type must be open_url, callback or form_action`, show(v.type));
  }
};

const common: Spec = { tag: string, element_id: string, margin: string };

const BUTTON_TYPES = [
  'default',
  'primary',
  'danger',
  'text',
  'primary_text',
  'danger_text',
  'primary_filled',
  'danger_filled',
  'laser',
];

/** Components modelled property by property. */
const COMPONENTS: Record<string, Spec> = {
  markdown: {
    ...common,
    content: string,
    i18n_content: freeObject,
    text_align: ALIGN,
    text_size: string,
    icon,
  },
  div: {
    ...common,
    width: string,
    text,
    icon,
    fields: arrayOf(object({ is_short: boolean, text }, ['text'])),
  },
  plain_text: {
    ...common,
    content: string,
    i18n_content: freeObject,
    text_size: string,
    text_color: string,
    text_align: ALIGN,
    lines: number,
  },
  button: {
    ...common,
    type: oneOf(...BUTTON_TYPES),
    size: oneOf('tiny', 'small', 'medium', 'large'),
    width: string,
    text,
    icon,
    hover_tips: text,
    disabled: boolean,
    disabled_tips: text,
    confirm: object({ title: text, text }),
    behaviors: arrayOf(behavior),
    name: string,
    form_action_type: oneOf('submit', 'reset'),
  },
  column_set: {
    ...common,
    horizontal_spacing: string,
    horizontal_align: ALIGN,
    flex_mode: oneOf('none', 'stretch', 'flow', 'bisect', 'trisect'),
    background_style: string,
    columns: arrayOf((v, path) => column(v, path)),
  },
  hr: { ...common },
  note: {
    ...common,
    elements: arrayOf((v, path) => noteElement(v, path)),
  },
  img: {
    ...common,
    img_key: string,
    alt: text,
    title: text,
    transparent: boolean,
    preview: boolean,
    corner_radius: string,
    scale_type: oneOf('crop_center', 'crop_top', 'fit_horizontal'),
    size: string,
    custom_width: number,
    compact_width: boolean,
    mode: oneOf('fit_horizontal', 'crop_center', 'large', 'medium', 'small', 'tiny'),
  },
};

/** Real 2.0 components the simulator does not model: accepted as they are. */
const UNMODELLED = new Set([
  'form',
  'collapsible_panel',
  'interactive_container',
  'input',
  'select_static',
  'multi_select_static',
  'select_person',
  'multi_select_person',
  'date_picker',
  'picker_time',
  'picker_datetime',
  'overflow',
  'checker',
  'select_img',
  'img_combination',
  'person',
  'person_list',
  'chart',
  'table',
  'audio',
  'text_tag',
]);

const column = object(
  {
    ...common,
    background_style: string,
    width: string,
    weight: number,
    vertical_align: oneOf('top', 'center', 'bottom'),
    vertical_spacing: string,
    horizontal_align: ALIGN,
    horizontal_spacing: string,
    direction: oneOf('vertical', 'horizontal'),
    padding: string,
    elements: arrayOf((v, path) => element(v, path)),
  },
  ['tag'],
);

function noteElement(v: unknown, path: string): void {
  if (!isObject(v)) throw wrongType(path, 'an object', v);
  if (v.tag === 'img') return object({ tag: string, img_key: string, alt: text })(v, path);
  if (v.tag === 'standard_icon' || v.tag === 'custom_icon') return icon(v, path);
  text(v, path);
}

function element(v: unknown, path: string): void {
  if (!isObject(v)) throw wrongType(path, 'an object', v);
  const tag = v.tag;
  if (typeof tag !== 'string') throw new CardError(200621, `${path}.tag is required`, show(tag));
  const spec = COMPONENTS[tag];
  if (spec) return object(spec)(v, path);
  if (UNMODELLED.has(tag)) return;
  throw new CardError(200861, `unsupported tag ${tag} in ${path}: not a card JSON 2.0 component`, tag);
}

const card2 = object({
  schema: string,
  config: object({
    streaming_mode: boolean,
    streaming_config: freeObject,
    summary: object({ content: string, i18n_content: freeObject }),
    locales: arrayOf(string),
    enable_forward: boolean,
    enable_forward_interaction: boolean,
    update_multi: boolean,
    width_mode: oneOf('default', 'compact', 'fill'),
    use_custom_translation: boolean,
    style: freeObject,
  }),
  card_link: object({ url: string, pc_url: string, ios_url: string, android_url: string }),
  header: object({
    title: text,
    subtitle: text,
    template: oneOf(
      'blue',
      'wathet',
      'turquoise',
      'green',
      'yellow',
      'orange',
      'red',
      'carmine',
      'violet',
      'purple',
      'indigo',
      'grey',
      'default',
    ),
    icon,
    text_tag_list: arrayOf(object({ tag: string, element_id: string, text, color: string }, ['text'])),
    i18n_text_tag_list: freeObject,
    padding: string,
  }),
  body: object({
    direction: oneOf('vertical', 'horizontal'),
    padding: string,
    horizontal_spacing: string,
    horizontal_align: ALIGN,
    vertical_spacing: string,
    vertical_align: oneOf('top', 'center', 'bottom'),
    elements: arrayOf(element),
  }),
});

/** Parses the `content` string of an interactive message; not JSON (or not an object) → 200621. */
export function parseCardContent(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CardError(200621, 'the card content is not valid JSON', raw.slice(0, 120));
  }
  if (!isObject(parsed)) throw new CardError(200621, 'the card content must be a JSON object', show(parsed));
  return parsed;
}

/** Checks a parsed card: template cards and JSON 1.0 cards pass, JSON 2.0 cards must follow the structure. */
export function validateCard(card: Record<string, unknown>): void {
  if (card.type === 'template') {
    if (!isObject(card.data)) throw new CardError(200621, 'a template card needs data: {template_id, …}', show(card));
    return;
  }
  if (card.schema === undefined) return;
  if (card.schema !== '2.0') {
    throw new CardError(200621, 'schema must be "2.0" (or absent for JSON 1.0)', show(card.schema));
  }
  card2(card, 'card');
}
