import { describe, expect, it } from 'vitest'

import { galleryOf } from '@/utils/gallery'

const image = (id: string, main = false) => ({
  kind: 'image' as const,
  is_main: main,
  urls: { original: `/media/${id}/o.jpg`, large: `/media/${id}/l.webp`, medium: `/media/${id}/m.webp`, thumb: `/media/${id}/t.webp` },
})

describe('product gallery', () => {
  it('puts the main image first, then the others in order, then the video', () => {
    const items = galleryOf([image('a'), image('b', true), { kind: 'video', is_main: false, urls: { original: '/media/v.mp4' } }, image('c')])
    expect(items.map((i) => `${i.kind}:${i.src}`)).toEqual([
      'image:/media/b/l.webp',
      'image:/media/a/l.webp',
      'image:/media/c/l.webp',
      'video:/media/v.mp4',
    ])
    expect(items[0]).toMatchObject({ thumb: '/media/b/t.webp', original: '/media/b/o.jpg' })
  })

  it('copes with no media and missing sizes', () => {
    expect(galleryOf(undefined)).toEqual([])
    expect(galleryOf([{ kind: 'image', is_main: true, urls: { original: '/o.jpg' } }])).toEqual([
      { kind: 'image', src: '/o.jpg', thumb: '/o.jpg', original: '/o.jpg' },
    ])
  })
})
