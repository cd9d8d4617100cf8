import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard UI, built from this folder into dist/ (by ensureWebBuild in @vela/dashboard)
// and served as static files by the dashboard service.
export default defineConfig({
  plugins: [react()],
  build: { target: 'es2022', sourcemap: true },
});
