/**
 * The few WebAssembly JS API calls the sandbox makes, typed locally: the
 * project's `lib` (ES2023, no DOM) has no WebAssembly declarations, and a
 * global declaration here would leak into every other module.
 */
export interface CompiledModule {
  readonly __compiledWasmModule?: never
}

interface ModuleDescriptor {
  module?: string
  name: string
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag'
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<CompiledModule>
  Module: {
    imports(m: CompiledModule): Array<Required<ModuleDescriptor>>
    exports(m: CompiledModule): ModuleDescriptor[]
  }
}

export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
