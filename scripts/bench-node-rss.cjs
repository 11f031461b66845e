// Preloaded by bench-measure.js: the CLI's own peak memory (GNU time reports the largest process of
// the tree, which under wine is a wine process, not node).
process.on('exit', () => process.stderr.write(`BENCH-NODE-RSS-KB ${process.resourceUsage().maxRSS}\n`));
