import { api, data } from './http'
import type { BrandCreate, BrandUpdate, CategoryCreate, CategoryUpdate } from './types'

const category = (categoryId: string) => ({ path: { category_id: categoryId } })
const brand = (brandId: string) => ({ path: { brand_id: brandId } })
const synonym = (synonymId: string) => ({ path: { synonym_id: synonymId } })

/** The platform's catalog: the category tree, brands, and the search synonym list. */
export const adminCatalogApi = {
  /** The whole tree, disabled categories included. */
  categories: () => data(api.GET('/admin/categories')),
  createCategory: (body: CategoryCreate) => data(api.POST('/admin/categories', { body })),
  updateCategory: (categoryId: string, body: CategoryUpdate) =>
    data(api.PATCH('/admin/categories/{category_id}', { params: category(categoryId), body })),
  deleteCategory: (categoryId: string) =>
    data(api.DELETE('/admin/categories/{category_id}', { params: category(categoryId) })),

  brands: (q?: string, cursor?: string | null, limit = 50) =>
    data(api.GET('/admin/brands', { params: { query: { q, cursor, limit } } })),
  createBrand: (body: BrandCreate) => data(api.POST('/admin/brands', { body })),
  updateBrand: (brandId: string, body: BrandUpdate) =>
    data(api.PATCH('/admin/brands/{brand_id}', { params: brand(brandId), body })),

  synonyms: (cursor?: string | null, limit = 50) =>
    data(api.GET('/admin/search/synonyms', { params: { query: { cursor, limit } } })),
  createSynonym: (terms: string[]) => data(api.POST('/admin/search/synonyms', { body: { terms } })),
  updateSynonym: (synonymId: string, terms: string[]) =>
    data(api.PUT('/admin/search/synonyms/{synonym_id}', { params: synonym(synonymId), body: { terms } })),
  deleteSynonym: (synonymId: string) =>
    data(api.DELETE('/admin/search/synonyms/{synonym_id}', { params: synonym(synonymId) })),
}
