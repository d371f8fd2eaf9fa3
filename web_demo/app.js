// Shows whether the server answers its health check.
'use strict';

async function showStatus() {
  const status = document.getElementById('status');
  try {
    const answer = await fetch('/healthz', { cache: 'no-store' });
    const body = await answer.json();
    status.textContent = body.status === 'ok' ? 'up' : 'unexpected answer';
    status.className = body.status === 'ok' ? 'ok' : 'down';
  } catch {
    status.textContent = 'unreachable';
    status.className = 'down';
  }
}

document.addEventListener('DOMContentLoaded', showStatus);
