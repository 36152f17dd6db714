/**
 * The buttons of a cursor-paged list (`Page`): back to the newest page once paged, and on to the
 * next (older) page while the hub gives a `nextCursor`.
 */
export function CursorPager({
  cursor,
  nextCursor,
  onChange,
}: {
  cursor: string | undefined;
  nextCursor: string | null | undefined;
  onChange: (cursor: string | undefined) => void;
}) {
  return (
    <>
      {cursor ? <button onClick={() => onChange(undefined)}>newest</button> : null}
      <button disabled={!nextCursor} onClick={() => onChange(nextCursor ?? undefined)}>
        older
      </button>
    </>
  );
}
