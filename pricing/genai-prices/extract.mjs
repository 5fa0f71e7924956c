// Writes the price data of the installed @pydantic/genai-prices package as TokenTrail's snapshot:
// the package's own provider list, minus descriptions and usage extractors, one model a line.
import { waitForUpdate } from '@pydantic/genai-prices';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./node_modules/@pydantic/genai-prices/package.json', import.meta.url)));
const providers = await waitForUpdate();
const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) =>
  x && typeof x === 'object' && x.constructor && x.constructor.name === 'TieredPrices'
    ? { base: x.base, tiers: x.tiers } : x));
const keep = (o, keys) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, plain(o[k])]));

const out = [];
out.push('{');
out.push(` "source": ${JSON.stringify(pkg.name)},`);
out.push(` "version": ${JSON.stringify(pkg.version)},`);
out.push(` "license": ${JSON.stringify(pkg.license)},`);
out.push(' "providers": [');
providers.forEach((p, i) => {
  const head = keep(p, ['id', 'name', 'model_match', 'provider_match', 'fallback_model_providers', 'price_comments']);
  out.push('  ' + JSON.stringify(head).slice(0, -1) + ', "models": [');
  p.models.forEach((m, j) => {
    const model = keep(m, ['id', 'name', 'match', 'context_window', 'deprecated', 'price_comments', 'prices']);
    out.push('   ' + JSON.stringify(model) + (j < p.models.length - 1 ? ',' : ''));
  });
  out.push('  ]}' + (i < providers.length - 1 ? ',' : ''));
});
out.push(' ]');
out.push('}');
process.stdout.write(out.join('\n') + '\n');
