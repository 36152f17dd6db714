import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into apps/web/dist; the hub serves it at `/` (apps/hub/src/web/dashboard.ts).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
