import type { KeyValueKind } from '../../contract/key-value-view';
import { KEY_VALUE_APIS, type KeyValueUpdate, type KeyValueView } from '../../contract/key-value-view';
import { ApiClient } from '../../client/api-client';

/** One kind's API (`/api/v1/secrets` or `/api/v1/configmaps`); a secret's values travel in base64. */
export class KeyValueClient {
  constructor(
    private readonly kind: KeyValueKind,
    private readonly api = new ApiClient(),
  ) {}

  private path(name: string, query = ''): string {
    return `${KEY_VALUE_APIS[this.kind]}/${encodeURIComponent(name)}${query}`;
  }

  async create(name: string, data: Record<string, string>): Promise<KeyValueView> {
    return (await this.api.request<{ object: KeyValueView }>('POST', KEY_VALUE_APIS[this.kind], { name, data })).object;
  }

  /** With `merge`, the given items are set and the others kept; without, they replace all. */
  update(name: string, data: Record<string, string>, merge: boolean): Promise<KeyValueUpdate> {
    return this.api.request<KeyValueUpdate>('PUT', this.path(name), { data, merge });
  }

  async delete(name: string): Promise<void> {
    await this.api.request('DELETE', this.path(name));
  }

  async list(): Promise<KeyValueView[]> {
    return (await this.api.get<{ objects: KeyValueView[] }>(KEY_VALUE_APIS[this.kind])).objects;
  }

  /** With `values`, the items too (a secret's in base64). */
  async get(name: string, values: boolean): Promise<KeyValueView> {
    return (await this.api.get<{ object: KeyValueView }>(this.path(name, values ? '?values=true' : ''))).object;
  }
}
