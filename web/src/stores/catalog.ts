import { defineStore } from 'pinia'
import { ref } from 'vue'

import { catalogApi } from '@/api/catalog'
import type { CategoryNode } from '@/api/types'

/** Ids from the root to `id` (inclusive), or [] when the tree has no such category. */
export function pathTo(tree: readonly CategoryNode[], id: string): CategoryNode[] {
  for (const node of tree) {
    if (node.id === id) return [node]
    const below = pathTo(node.children ?? [], id)
    if (below.length) return [node, ...below]
  }
  return []
}

export function isLeaf(node: CategoryNode): boolean {
  return (node.children ?? []).length === 0
}

/** The enabled category tree, fetched once per visit and shared by every page. */
export const useCatalogStore = defineStore('catalog', () => {
  const tree = ref<CategoryNode[]>([])
  const loaded = ref(false)
  let loading: Promise<CategoryNode[]> | null = null

  function load(force = false): Promise<CategoryNode[]> {
    if (loaded.value && !force) return Promise.resolve(tree.value)
    loading ??= catalogApi
      .categories()
      .then((nodes) => {
        tree.value = nodes
        loaded.value = true
        return nodes
      })
      .finally(() => {
        loading = null
      })
    return loading
  }

  return { tree, loaded, load }
})
