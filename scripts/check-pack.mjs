// prepack of the adapters: their dependency on @logship/producer is a pnpm `workspace:` range,
// which `pnpm pack` / `pnpm publish` rewrite to the producer's version. npm packs it as is, and
// the tarball would then fail to install (EUNSUPPORTEDPROTOCOL).
const agent = process.env.npm_config_user_agent ?? ''
if (!agent.startsWith('pnpm/')) {
  console.error('pack and publish this package with pnpm (pnpm pack, pnpm publish): it rewrites the workspace: range of @logship/producer, which npm would ship as is')
  process.exit(1)
}
