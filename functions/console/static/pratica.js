// The heading and the tabs of a pratica's screens.
import { h } from './dom.js';

const tabs = [['verifiche', 'Verifiche'], ['conferenza', 'Conferenza servizi'], ['storico', 'Storico']];

/**
 * praticaHeader is the pratica's title and its tabs, active the current one;
 * the service (manager) reads the conferences and the history only.
 */
export function praticaHeader(p, active, user) {
  const id = encodeURIComponent(p.id);
  const shown = user && user.role === 'manager' ? tabs.filter(([k]) => k !== 'verifiche') : tabs;
  return [
    h('h1', { tabindex: '-1' }, `Pratica numero ${p.number}`),
    h('nav', { class: 'tabs', 'aria-label': 'Schede della pratica' },
      shown.map(([k, label]) => h('a', { href: `#/pratiche/${id}/${k}`, id: 'tab-' + k, 'aria-current': k === active ? 'page' : null }, label))),
  ];
}
