import { computed, onBeforeUnmount, ref, watch } from 'vue'

/** "05:09" under an hour, "1:05:09" above; never negative. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
  return h > 0 ? `${h}:${mmss}` : mmss
}

/** Time left until `deadline` (an ISO date), ticking every second; null without a deadline. */
export function useCountdown(deadline: () => string | null | undefined) {
  const now = ref(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, 1000)
  onBeforeUnmount(() => clearInterval(timer))
  watch(deadline, () => {
    now.value = Date.now()
  })

  const remaining = computed<number | null>(() => {
    const value = deadline()
    if (!value) return null
    const at = new Date(value).getTime()
    return Number.isNaN(at) ? null : Math.max(0, at - now.value)
  })
  const expired = computed(() => remaining.value === 0)
  const text = computed(() => (remaining.value === null ? '' : formatDuration(remaining.value)))
  return { remaining, expired, text }
}
