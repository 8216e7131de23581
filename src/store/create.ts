/** Picks the Store backend named by the config's `store` key. */
import type { Config } from '../config/types.js'
import { EmbeddedStore } from './embedded.js'
import { MemoryStore } from './memory.js'
import type { Store } from './store.js'

export function createStore (config: Config): Store {
  switch (config.store) {
    case 'embedded': return new EmbeddedStore(config.data_dir)
    case 'memory': return new MemoryStore()
  }
}
