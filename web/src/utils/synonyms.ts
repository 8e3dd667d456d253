/** "手机，移动电话 / 电话" → ['手机', '移动电话', '电话']: split on commas, 、, semicolons, slashes and new lines. */
export function parseTerms(text: string): string[] {
  return [...new Set(text.split(/[,，、;；/\n]+/).map((s) => s.trim()).filter(Boolean))]
}
