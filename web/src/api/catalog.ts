import { download, http, upload, type UploadOptions } from './http'
import type {
  BrandPage,
  CategoryDetail,
  CategoryNode,
  ImportReport,
  ProductCreate,
  ProductDetail,
  ProductStatus,
  ProductStatusResult,
  ProductUpdate,
  ShopProduct,
  ShopProductPage,
  ShopSku,
  SkuMatrixInput,
  SkuUpdate,
} from './types'

const enc = encodeURIComponent
const shopPath = (shopId: string) => `/shops/${enc(shopId)}`
const productPath = (shopId: string, productId: string) => `${shopPath(shopId)}/products/${enc(productId)}`

/** What buyers read: the category tree, brands and product pages. */
export const catalogApi = {
  /** The enabled category tree, nested. */
  categories: () => http.get<CategoryNode[]>('/categories'),
  /** One category with its breadcrumb, enabled children and spec template. */
  category: (categoryId: string) => http.get<CategoryDetail>(`/categories/${enc(categoryId)}`),
  brands: (q?: string, cursor?: string | null, limit = 50) =>
    http.get<BrandPage>('/brands', { q, cursor, limit }),
  product: (productId: string) => http.get<ProductDetail>(`/products/${enc(productId)}`),
}

export interface ShopProductQuery {
  status?: ProductStatus
  q?: string
  cursor?: string | null
  limit?: number
}

/** A shop's own products (商品管理), for its members. */
export const merchantProductsApi = {
  list: (shopId: string, query: ShopProductQuery = {}) =>
    http.get<ShopProductPage>(`${shopPath(shopId)}/products`, {
      status: query.status,
      q: query.q,
      cursor: query.cursor,
      limit: query.limit ?? 20,
    }),
  get: (shopId: string, productId: string) => http.get<ShopProduct>(productPath(shopId, productId)),
  create: (shopId: string, body: ProductCreate) => http.post<ShopProduct>(`${shopPath(shopId)}/products`, body),
  update: (shopId: string, productId: string, body: ProductUpdate) =>
    http.patch<ShopProduct>(productPath(shopId, productId), body),
  /** Replace the spec/SKU matrix; unchanged combinations keep their SKU ids. */
  replaceSkus: (shopId: string, productId: string, body: SkuMatrixInput) =>
    http.put<ShopProduct>(`${productPath(shopId, productId)}/skus`, body),
  publish: (shopId: string, productId: string) =>
    http.post<ProductStatusResult>(`${productPath(shopId, productId)}/publish`),
  offShelf: (shopId: string, productId: string) =>
    http.post<ProductStatusResult>(`${productPath(shopId, productId)}/off-shelf`),
  /** Only drafts can be deleted. */
  remove: (shopId: string, productId: string) => http.delete(productPath(shopId, productId)),
  updateSku: (shopId: string, skuId: string, body: SkuUpdate) =>
    http.patch<ShopSku>(`${shopPath(shopId)}/skus/${enc(skuId)}`, body),

  importTemplate: (shopId: string, format: 'csv' | 'xlsx') =>
    download(`${shopPath(shopId)}/product-imports/template`, { format }),
  importProducts: (shopId: string, file: File, options: UploadOptions = {}) =>
    upload<ImportReport>(`${shopPath(shopId)}/product-imports`, file, options),
}
