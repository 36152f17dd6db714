import { ReactNode } from 'react';

/** A dashboard page: its heading with the page's filters and buttons beside it, then its cards. */
export function PageLayout({ title, tools, children }: { title: string; tools?: ReactNode; children?: ReactNode }) {
  return (
    <div>
      <div className="toolbar">
        <h1>{title}</h1>
        {tools}
      </div>
      {children}
    </div>
  );
}

/** What the last action did (e.g. "approved: /usr/bin/x"), beside the page's heading. */
export function Notice({ text }: { text: string }) {
  return text ? (
    <span className="notice" data-testid="notice">
      {text}
    </span>
  ) : null;
}
