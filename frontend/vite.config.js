import { defineConfig } from 'vite';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

// Every file in src/entries/ is one page bundle: src/entries/NAME.js → static/dist/NAME.js (+ NAME.css).
// Templates reference them with stable names: {% static 'dist/NAME.js' %}.
const entriesDir = resolve(import.meta.dirname, 'src/entries');
const input = Object.fromEntries(
  readdirSync(entriesDir)
    .filter((file) => file.endsWith('.js'))
    .map((file) => [file.replace(/\.js$/, ''), resolve(entriesDir, file)]),
);

export default defineConfig({
  base: '/static/dist/',
  build: {
    outDir: resolve(import.meta.dirname, '../static/dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input,
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: (info) => (info.names?.[0]?.endsWith('.css') ? '[name][extname]' : 'assets/[name]-[hash][extname]'),
      },
    },
  },
});
