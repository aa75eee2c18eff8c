/** What HAProxy's stats say of one proxy or server now. */
export interface HaproxyLoad {
  /** Requests waiting in its queue. */
  qcur: number;
  /** Requests it is serving. */
  scur: number;
}

/** `show stat` CSV → `proxy/server` → load (the backend's own line is `proxy/BACKEND`). */
export function parseShowStat(csv: string): Map<string, HaproxyLoad> {
  const [header = '', ...rows] = csv.split('\n');
  const names = header.replace(/^# /, '').split(',');
  const at = (name: string) => names.indexOf(name);
  const [px, sv, qcur, scur] = [at('pxname'), at('svname'), at('qcur'), at('scur')];
  const out = new Map<string, HaproxyLoad>();
  for (const row of rows) {
    const cells = row.split(',');
    if (cells.length < names.length - 1) continue;
    out.set(`${cells[px]}/${cells[sv]}`, { qcur: Number(cells[qcur]) || 0, scur: Number(cells[scur]) || 0 });
  }
  return out;
}

/** `show table <backend>` → server name → how many sessions are pinned to it (`srvkey name`). */
export function countSessions(table: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const match of table.matchAll(/server_key=(\S+)/g)) {
    const server = match[1] as string;
    out.set(server, (out.get(server) ?? 0) + 1);
  }
  return out;
}
