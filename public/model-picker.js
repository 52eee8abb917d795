// @ts-check
import { api } from './api.js';
import { els } from './dom.js';
import { saved } from './store.js';

/** The model picker: the gateway's models, the session's own selected. */

/** @param {string} model */
export function selectModel(model) {
  if (![...els.model.options].some((o) => o.value === model)) els.model.add(new Option(model, model));
  els.model.value = model;
}

export async function loadModels() {
  const wanted = saved.model ?? 'sim/default';
  const res = await api('/v1/models').catch(() => null);
  if (res?.ok) {
    /** @type {{ data: Array<{ id: string }> }} */
    const list = await res.json();
    if (list.data.length) els.model.replaceChildren(...list.data.map((m) => new Option(m.id, m.id)));
  }
  if (saved.model || [...els.model.options].some((o) => o.value === wanted)) selectModel(wanted);
}
