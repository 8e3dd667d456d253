import { reactive, ref } from 'vue'
import { useI18n } from 'vue-i18n'

import { isApiError } from '@/api/http'
import { errorMessage } from '@/utils/errors'

export interface FormErrorOptions<F extends string> {
  /** Server field name → form field, where they differ. */
  fieldMap?: Partial<Record<string, F>>
  /** Error code → form field that should carry its `detail` (e.g. `email_taken` → `email`). */
  codeFields?: Partial<Record<string, F>>
}

/**
 * Server-side errors for one form: per-field messages (bound to `el-form-item :error`)
 * and one form-level message for everything that belongs to no field.
 */
export function useFormErrors<F extends string>(
  fields: readonly F[],
  options: FormErrorOptions<F> = {},
) {
  const { t } = useI18n()
  const fieldErrors = reactive<Record<string, string>>({}) as Record<F, string>
  const formError = ref('')

  function clear(): void {
    for (const f of fields) fieldErrors[f] = ''
    formError.value = ''
  }

  function resolveField(serverField: string): F | undefined {
    const mapped = options.fieldMap?.[serverField]
    if (mapped) return mapped
    return (fields as readonly string[]).includes(serverField) ? (serverField as F) : undefined
  }

  /** Spread an error over the form. Returns true when at least one field got a message. */
  function apply(error: unknown): boolean {
    clear()
    if (!isApiError(error)) {
      formError.value = errorMessage(error, t)
      return false
    }
    const byCode = options.codeFields?.[error.code]
    if (byCode && error.fieldErrors.length === 0) {
      fieldErrors[byCode] = errorMessage(error, t)
      return true
    }
    let placed = false
    const unplaced: string[] = []
    for (const fe of error.fieldErrors) {
      const field = resolveField(fe.field)
      if (!field) unplaced.push(fe.message)
      else if (!fieldErrors[field]) {
        fieldErrors[field] = fe.message
        placed = true
      }
    }
    if (!placed || unplaced.length > 0) {
      formError.value = [errorMessage(error, t), ...unplaced].join(' ')
    }
    return placed
  }

  clear()
  return { fieldErrors, formError, apply, clear }
}
