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

/**
 * `show table A;show table B;...` (one connection for every app's table) → table → server name →
 * how many sessions are pinned to it (`srvkey name`). Each table's dump starts with its
 * `# table: NAME, ...` line; a table HAProxy does not have (a reload has not brought it yet) is
 * `No such table`, and left out.
 */
export function countSessions(tables: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  let current: Map<string, number> | undefined;
  for (const line of tables.split('\n')) {
    const table = /^# table: ([^,\s]+),/.exec(line)?.[1];
    if (table !== undefined) out.set(table, (current = new Map<string, number>()));
    const server = /server_key=(\S+)/.exec(line)?.[1];
    if (server !== undefined && current) current.set(server, (current.get(server) ?? 0) + 1);
  }
  return out;
}

/**
 * `show servers state BACKEND` → the names of its servers in service: running (operational state
 * 2) and in no maintenance or drain (administrative state 0).
 */
export function serversInService(state: string): string[] {
  const [, header = '', ...rows] = state.split('\n');
  const names = header.replace(/^# /, '').split(' ');
  const [name, op, admin] = [names.indexOf('srv_name'), names.indexOf('srv_op_state'), names.indexOf('srv_admin_state')];
  return rows.map((row) => row.split(' ')).filter((cells) => cells[op] === '2' && cells[admin] === '0').map((cells) => cells[name] as string);
}
