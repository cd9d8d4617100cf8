import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { forgetToken, onUnauthorized, saveToken } from './api-client';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { WorkersPage } from './pages/WorkersPage';
import { navigate, usePath } from './router';

export function App() {
  const path = usePath();
  // Pages ask the API first: a dashboard without a token configured needs no sign-in.
  const [needsToken, setNeedsToken] = useState(false);
  useEffect(
    () =>
      onUnauthorized(() => {
        forgetToken();
        setNeedsToken(true);
      }),
    [],
  );
  const run = /^\/runs\/([^/]+)$/.exec(path)?.[1];
  return (
    <div className="app">
      <header>
        <strong>Vela</strong>
        <NavLink to="/">Runs</NavLink>
        <NavLink to="/workers">Workers</NavLink>
      </header>
      <main>
        {needsToken ? (
          <TokenPrompt onToken={() => setNeedsToken(false)} />
        ) : run ? (
          <RunPage key={run} runId={decodeURIComponent(run)} />
        ) : path === '/workers' ? (
          <WorkersPage />
        ) : (
          <RunsPage />
        )}
      </main>
    </div>
  );
}

export function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const follow = (event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={follow}>
      {children}
    </a>
  );
}

function TokenPrompt({ onToken }: { onToken: () => void }) {
  const [token, setToken] = useState('');
  return (
    <form
      className="token-prompt"
      onSubmit={(event) => {
        event.preventDefault();
        saveToken(token.trim());
        onToken();
      }}
    >
      <h2>Sign in</h2>
      <p>The dashboard needs the cluster's token (VELA_TOKEN).</p>
      <input name="token" type="password" autoFocus placeholder="token" value={token} onChange={(event) => setToken(event.target.value)} />
      <button type="submit" disabled={!token.trim()}>
        Continue
      </button>
    </form>
  );
}
