import { http, upload, type UploadOptions } from './http'
import type { Media, MediaPage, MediaUpdate } from './types'

const base = (shopId: string, productId: string) =>
  `/shops/${encodeURIComponent(shopId)}/products/${encodeURIComponent(productId)}`

/** A product's images (ordered, one main image) and its one video. */
export const mediaApi = {
  list: (shopId: string, productId: string) => http.get<MediaPage>(`${base(shopId, productId)}/media`),
  uploadImage: (shopId: string, productId: string, file: File, options: UploadOptions = {}) =>
    upload<Media>(`${base(shopId, productId)}/images`, file, options),
  uploadVideo: (shopId: string, productId: string, file: File, options: UploadOptions = {}) =>
    upload<Media>(`${base(shopId, productId)}/video`, file, options),
  /** Every image id in the new order; answers the new list. */
  reorder: (shopId: string, productId: string, mediaIds: string[]) =>
    http.put<MediaPage>(`${base(shopId, productId)}/images/order`, { media_ids: mediaIds }),
  update: (shopId: string, productId: string, mediaId: string, body: MediaUpdate) =>
    http.patch<Media>(`${base(shopId, productId)}/media/${encodeURIComponent(mediaId)}`, body),
  remove: (shopId: string, productId: string, mediaId: string) =>
    http.delete(`${base(shopId, productId)}/media/${encodeURIComponent(mediaId)}`),
}
