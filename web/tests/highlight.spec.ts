import { describe, expect, it } from 'vitest'

import { parseHighlight } from '@/utils/highlight'

describe('search highlights', () => {
  it('splits into plain and emphasised text', () => {
    expect(parseHighlight('华为 <em>手机</em> 旗舰 <em>手机</em>壳')).toEqual([
      { text: '华为 ', em: false },
      { text: '手机', em: true },
      { text: ' 旗舰 ', em: false },
      { text: '手机', em: true },
      { text: '壳', em: false },
    ])
  })

  it('decodes the escaped title and never yields markup', () => {
    expect(parseHighlight('A &amp; B &lt;script&gt;x&lt;/script&gt; <EM>C</EM>')).toEqual([
      { text: 'A & B <script>x</script> ', em: false },
      { text: 'C', em: true },
    ])
    // Other tags stay text (the component renders parts as text, never as HTML).
    expect(parseHighlight('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>', em: false }])
    expect(parseHighlight(null)).toEqual([])
    expect(parseHighlight('&#39;&#x4e2d;&bogus;')).toEqual([{ text: "'中&bogus;", em: false }])
  })
})
