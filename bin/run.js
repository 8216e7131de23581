#!/usr/bin/env node
// mqttctl entry. The engine check would load semver on every start: package.json's "engines" and
// npm already say Node >= 20, so skip it for a faster `mqttctl status`.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
