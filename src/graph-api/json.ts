/** JSON.parse that answers undefined for anything unparseable (upstream bodies and headers). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
