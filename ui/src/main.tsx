/** Entry point: mounts the app (or, in a torn-out window, that window's grid). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { TornWindowApp } from './windows/TornWindowApp';
import { currentWindowLabel, isTornWindow } from './windows/windowsIpc';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      {isTornWindow() ? <TornWindowApp label={currentWindowLabel()} /> : <App />}
    </StrictMode>,
  );
}
