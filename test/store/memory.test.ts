import { MemoryStore } from '../../src/store/memory.js'
import { storeConformance } from './conformance.js'

storeConformance('memory', async () => {
  const store = new MemoryStore()
  await store.open()
  return store
})
