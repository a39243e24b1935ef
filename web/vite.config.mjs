// Builds the Live console (web/) into dist/web, which livehub serves at "/". Relative asset URLs
// (base "./") keep the page working behind a reverse proxy under a sub-path. No CDN, no fonts.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web/', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The page is small; one JS and one CSS file keep serving and caching trivial.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 200,
  },
});
