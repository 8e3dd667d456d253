/**
 * The pictures and video of a product page, from the product's `media` list: the main image
 * first, the other images in the shop's order, then the video.
 */

export interface GalleryItem {
  kind: 'image' | 'video'
  /** What the big view shows (the 800 px image, or the video file). */
  src: string
  /** The thumbnail strip's picture (for a video: a poster, if any). */
  thumb: string | null
  /** The untouched original, for "open full size". */
  original: string
}

export interface MediaLike {
  kind: 'image' | 'video'
  is_main: boolean
  urls: Record<string, string | null | undefined>
}

function pick(urls: MediaLike['urls'], ...names: string[]): string | null {
  for (const name of names) {
    const value = urls[name]
    if (typeof value === 'string' && value) return value
  }
  return null
}

export function galleryOf(media: readonly MediaLike[] | null | undefined): GalleryItem[] {
  const list = media ?? []
  const images = list.filter((m) => m.kind === 'image')
  const ordered = [...images.filter((m) => m.is_main), ...images.filter((m) => !m.is_main)]
  const out: GalleryItem[] = []
  for (const image of ordered) {
    const original = pick(image.urls, 'original', 'large')
    const src = pick(image.urls, 'large', 'medium', 'original')
    if (!src || !original) continue
    out.push({ kind: 'image', src, thumb: pick(image.urls, 'thumb', 'medium') ?? src, original })
  }
  for (const video of list.filter((m) => m.kind === 'video')) {
    const src = pick(video.urls, 'original')
    if (src) out.push({ kind: 'video', src, thumb: pick(video.urls, 'poster'), original: src })
  }
  return out
}
