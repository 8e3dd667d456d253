/** Toasts and confirmation boxes (Element Plus services, with their styles). */
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

import { i18n } from '@/i18n'

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}

export function notifyError(message: string): void {
  ElMessage({ type: 'error', message, grouping: true, duration: 5000 })
}

/** Resolves true when the user confirms, false when they cancel or close. */
export async function confirmAction(message: string, options: { danger?: boolean } = {}) {
  const { t } = i18n.global
  try {
    await ElMessageBox.confirm(message, {
      confirmButtonText: t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      type: options.danger ? 'warning' : 'info',
      autofocus: false,
    })
    return true
  } catch {
    return false
  }
}

/** A message that must be read (e.g. why the server refused a change), shown until dismissed. */
export async function alertMessage(message: string, title?: string): Promise<void> {
  const { t } = i18n.global
  try {
    await ElMessageBox.alert(message, title ?? t('errors.refusedTitle'), {
      confirmButtonText: t('common.confirm'),
      type: 'warning',
    })
  } catch {
    // Closed with the × or Escape: nothing to do.
  }
}
