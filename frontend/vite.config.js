import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// Built files go to ../static/dist with stable names, so Django templates reference them directly.
export default defineConfig({
  base: '/static/dist/',
  build: {
    outDir: resolve(import.meta.dirname, '../static/dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        modeler: resolve(import.meta.dirname, 'src/modeler.js'),
      },
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        assetFileNames: (info) => (info.names?.[0]?.endsWith('.css') ? '[name][extname]' : 'assets/[name]-[hash][extname]'),
      },
    },
  },
});
