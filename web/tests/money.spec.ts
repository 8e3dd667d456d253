import { describe, expect, it } from 'vitest'

import { fenToYuan, formatFen, formatFenRange, yuanToFen } from '@/utils/money'

describe('fen to yuan', () => {
  it('writes exact two-decimal amounts', () => {
    expect(fenToYuan(0)).toBe('0.00')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(10)).toBe('0.10')
    expect(fenToYuan(1990)).toBe('19.90')
    expect(fenToYuan(726900)).toBe('7269.00')
    expect(fenToYuan(-5)).toBe('-0.05')
    expect(fenToYuan(10_000_000_000)).toBe('100000000.00')
    expect(fenToYuan(Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91')
  })

  it('refuses what is not a whole number of fen', () => {
    expect(() => fenToYuan(1.5)).toThrow(RangeError)
    expect(() => fenToYuan(Number.NaN)).toThrow(RangeError)
    expect(() => fenToYuan(2 ** 60)).toThrow(RangeError)
  })

  it('formats prices with the yuan sign and thousands separators', () => {
    expect(formatFen(726900)).toBe('¥7,269.00')
    expect(formatFen(99)).toBe('¥0.99')
    expect(formatFen(123456789)).toBe('¥1,234,567.89')
    expect(formatFen(123456789, { grouping: false, symbol: false })).toBe('1234567.89')
    expect(formatFen(-150)).toBe('-¥1.50')
    expect(formatFenRange(4900, 4900)).toBe('¥49.00')
    expect(formatFenRange(4900, 9900)).toBe('¥49.00–¥99.00')
  })
})

describe('yuan to fen', () => {
  it('reads what people type, exactly', () => {
    expect(yuanToFen('19.9')).toBe(1990)
    expect(yuanToFen('19.90')).toBe(1990)
    expect(yuanToFen('0.1')).toBe(10)
    expect(yuanToFen('0.07')).toBe(7)
    expect(yuanToFen('.5')).toBe(50)
    expect(yuanToFen('12.')).toBe(1200)
    expect(yuanToFen(' 1,299 ')).toBe(129900)
    expect(yuanToFen('¥8')).toBe(800)
    expect(yuanToFen('0')).toBe(0)
    expect(yuanToFen('007.30')).toBe(730)
    // The classic float trap: 1.15 * 100 = 114.99999999999999, 4.35 * 100 = 434.99999999999994
    expect(yuanToFen('1.15')).toBe(115)
    expect(yuanToFen('4.35')).toBe(435)
    expect(yuanToFen('100000000')).toBe(10_000_000_000)
  })

  it('refuses anything else', () => {
    for (const bad of ['', ' ', 'abc', '-1', '1.005', '1e3', '1.2.3', '¥', '.', '12,34.5.6', '9999999999999999']) {
      expect(yuanToFen(bad), bad).toBeNull()
    }
  })

  it('round-trips every cent of a range', () => {
    for (let fen = 0; fen < 5000; fen += 1) expect(yuanToFen(fenToYuan(fen))).toBe(fen)
  })
})
