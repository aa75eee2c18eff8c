export function hello(): string { return 'sdk'; }
