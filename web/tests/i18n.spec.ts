import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { createAppI18n, messages } from '@/i18n'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of flatten(value, path)) out.set(k, v)
  }
  return out
}

const zh = flatten(messages['zh-CN'] as unknown as Tree)
const en = flatten(messages.en as unknown as Tree)

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(vue|ts)$/.test(name) ? [path] : []
  })
}

describe('translations', () => {
  it('have exactly the same keys in zh-CN and en', () => {
    const missingInEn = [...zh.keys()].filter((k) => !en.has(k))
    const missingInZh = [...en.keys()].filter((k) => !zh.has(k))
    expect({ missingInEn, missingInZh }).toEqual({ missingInEn: [], missingInZh: [] })
  })

  it('never leave a message empty and keep the same placeholders', () => {
    for (const [key, text] of zh) {
      expect(text.trim(), `zh-CN ${key}`).not.toBe('')
      expect(en.get(key)?.trim(), `en ${key}`).not.toBe('')
      expect(placeholders(en.get(key) ?? ''), key).toEqual(placeholders(text))
    }
  })

  it('define every literal key the source code asks for', () => {
    const root = join(__dirname, '..', 'src')
    const used = new Set<string>()
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\$?\bt\(\s*'([a-zA-Z][\w.-]*)'/g)) used.add(m[1] ?? '')
      for (const m of text.matchAll(/title: '([a-z][\w]*\.[\w.]+)'/g)) used.add(m[1] ?? '')
    }
    expect(used.size).toBeGreaterThan(50)
    const undefinedKeys = [...used].filter((k) => !zh.has(k))
    expect(undefinedKeys).toEqual([])
  })

  it('default to Chinese and switch to English', () => {
    const i18n = createAppI18n('zh-CN')
    expect(i18n.global.t('nav.login')).toBe('登录')
    i18n.global.locale.value = 'en'
    expect(i18n.global.t('nav.login')).toBe('Log in')
    expect(i18n.global.t('merchant.staff.invited', { email: 'a@b.cn' })).toBe('Invitation sent to a@b.cn')
    expect(i18n.global.t('auth.emailPlaceholder')).toBe('e.g. name@example.com')
  })
})
