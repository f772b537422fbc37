import { Locale } from '../../common/locale';
import { OFFLINE_ACCESS } from '../../common/scopes';

export type ScopeDescription = Record<Locale, string>;

const DESCRIPTIONS: Readonly<Record<string, ScopeDescription>> = {
  [OFFLINE_ACCESS]: {
    zh_cn: '持续保持访问，无需再次授权，直到你撤销授权',
    en_us: 'Keep access without asking again until you revoke it',
  },
  'auth:user.id:read': { zh_cn: '获取你的用户 ID', en_us: 'Read your user ID' },
  'contact:user.base:readonly': {
    zh_cn: '获取你的基本信息（姓名、头像）',
    en_us: 'Read your basic profile (name, avatar)',
  },
  'contact:user.email:readonly': { zh_cn: '获取你的邮箱地址', en_us: 'Read your email address' },
  'contact:user.phone:readonly': { zh_cn: '获取你的手机号', en_us: 'Read your phone number' },
  'contact:user.employee_id:readonly': { zh_cn: '获取你的工号和用户 ID', en_us: 'Read your employee and user ID' },
  'contact:contact.base:readonly': { zh_cn: '获取通讯录基本信息', en_us: 'Read basic directory information' },
  'im:message': { zh_cn: '以你的身份查看和发送消息', en_us: 'Read and send messages as you' },
  'im:message:readonly': { zh_cn: '查看你的消息', en_us: 'Read your messages' },
  'im:chat:readonly': { zh_cn: '查看你所在群组的信息', en_us: 'Read the group chats you are in' },
  'calendar:calendar': { zh_cn: '查看和管理你的日历与日程', en_us: 'Read and manage your calendars and events' },
  'calendar:calendar:readonly': { zh_cn: '查看你的日历与日程', en_us: 'Read your calendars and events' },
  'docx:document': { zh_cn: '查看、创建和编辑你的文档', en_us: 'Read, create and edit your documents' },
  'docx:document:readonly': { zh_cn: '查看你的文档', en_us: 'Read your documents' },
  'drive:drive': { zh_cn: '查看和管理你云空间中的文件', en_us: 'Read and manage the files in your Drive' },
  'drive:drive:readonly': { zh_cn: '查看你云空间中的文件', en_us: 'Read the files in your Drive' },
  'sheets:spreadsheet': { zh_cn: '查看、创建和编辑你的电子表格', en_us: 'Read, create and edit your spreadsheets' },
  'sheets:spreadsheet:readonly': { zh_cn: '查看你的电子表格', en_us: 'Read your spreadsheets' },
  'bitable:app': { zh_cn: '查看和编辑你的多维表格', en_us: 'Read and edit your Base apps' },
  'bitable:app:readonly': { zh_cn: '查看你的多维表格', en_us: 'Read your Base apps' },
  'wiki:wiki': { zh_cn: '查看和编辑你的知识库', en_us: 'Read and edit your wikis' },
  'wiki:wiki:readonly': { zh_cn: '查看你的知识库', en_us: 'Read your wikis' },
  'task:task:read': { zh_cn: '查看你的任务', en_us: 'Read your tasks' },
  'task:task:write': { zh_cn: '查看、创建和更新你的任务', en_us: 'Read, create and update your tasks' },
};

/** The scope in words for the user; an unknown scope is shown as its code. */
export function describeScope(scope: string, locale: Locale): string {
  return Object.hasOwn(DESCRIPTIONS, scope) ? (DESCRIPTIONS[scope] as ScopeDescription)[locale] : scope;
}
