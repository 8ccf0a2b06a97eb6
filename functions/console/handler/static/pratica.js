// The heading and the tabs of a pratica's screens.
import { h } from './dom.js';

const tabs = [['verifiche', 'Verifiche'], ['conferenza', 'Conferenza servizi'], ['storico', 'Storico']];

/** praticaHeader is the pratica's title and its tabs, active the current one. */
export function praticaHeader(p, active) {
  const id = encodeURIComponent(p.id);
  return [
    h('h1', { tabindex: '-1' }, `Pratica numero ${p.number}`),
    h('nav', { class: 'tabs', 'aria-label': 'Schede della pratica' },
      tabs.map(([k, label]) => h('a', { href: `#/pratiche/${id}/${k}`, id: 'tab-' + k, 'aria-current': k === active ? 'page' : null }, label))),
  ];
}
