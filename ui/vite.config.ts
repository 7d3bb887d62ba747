/** Vite config: relative base for the Tauri bundle, fixed dev port, JSX via esbuild. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic' },
  server: { port: 1420, strictPort: true },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
