// Package store is the persistence port of suapcds and the single-table
// layout behind it.
//
// Functions depend on the Store interface. Repo implements it on a Backend,
// which only gets, queries and transacts items; there are two: dynamo
// (production, DynamoDB) and embedded (the local run, a bbolt file). The item
// layout lives here once, so both backends hold the very same items, and one
// contract suite (storetest) runs against both.
//
// # Items
//
//	item             pk                        sk                       notes
//	office           OFFICE#<officeId>         META                     e-mail, PEC, local holidays
//	pratica          PRATICA#<praticaId>       META                     version-checked
//	live lock        PRATICA#<praticaId>       LIVE                     exists while a request is live
//	history entry    PRATICA#<praticaId>       HIST#<at UTC>#<uuidv7>   Storico, oldest first; seq, prevHash, hash
//	history head     PRATICA#<praticaId>       HISTHEAD                 the chain's newest seq and hash; version = seq
//	request          REQ#<requestId>           META                     index keys below; version-checked
//	message          REQ#<requestId>           MSG#<seq:9 digits>       thread, in order
//	outbox event     OUTBOX#<eventId>          OUTBOX                   id = <request>.<kind>.<seq>; TTL expiresAt
//	rooms catalogue  ROOMS                     CATALOGUE                every virtual room (≈10); version-checked
//	room slot        SLOTS#<UTC day>           SLOT#<slot UTC>#<roomId> put only if absent: no double booking
//	body (directory) BODIES                    BODY#<bodyId>            name, PEC, e-mail; version-checked
//	conference       PRATICA#<praticaId>       CDS#<conferenceId>       type, dates, session count; version-checked
//	session          PRATICA#<praticaId>       SEDUTA#<cdsId>#<id>      seduta: time, place, state, bodies convened
//
// # Indexes (all project ALL; the lists sort on listKey = <createdAt UTC>#<requestId>)
//
//	index      partition key              used by
//	byOffice   officeKey = OFFICE#<id>    an office's Videoconferenza list
//	byBasin    basinKey  = BASIN#<id>     a basin's list (sparse: only basin offices)
//	byState    stateKey  = STATE#<state>  the service's list by state; the lead-time validator
//	byCreated  allKey    = REQ            the service's whole list
//	byPratica  praticaKey = PRATICA#<id>  a pratica's requests ("richiesta precedente")
//	byThread   praticaKey = PRATICA#<id>  a pratica's requests and messages: sorts on threadSort =
//	                                      the request's listKey (a message's: then #<seq:9 digits>)
//	byUnsent   unsentKey  = OUTBOX#UNSENT outbox items not yet sent, on dueAt (sparse)
//
// # Access patterns
//
//	pattern                                   operation
//	get an office, pratica, request, outbox   GetItem on (pk, META|OUTBOX), strongly consistent
//	a request's thread                        Query pk=REQ#id, begins_with(sk, MSG#), ascending
//	a pratica's history (paged)               Query pk=PRATICA#id, begins_with(sk, HIST#), ascending
//	a pratica's history export (whole)        GetItem HISTHEAD, the same Query paged to the end (at most
//	                                          MaxHistoryExport entries), GetItem HISTHEAD again
//	Videoconferenza list by office            Query byOffice, newest first, Limit page+1
//	... by basin / by state / all             Query byBasin / byState / byCreated, same
//	... within a date range                   the same Query with listKey BETWEEN from AND to
//	... with more filters (assignee,          the same Query; the other criteria filter the items
//	    subject, pratica number, state)       read, at most 5 reads of page+1 per page
//	a pratica's requests                      Query byPratica, newest first
//	a pratica's requests with their threads   Query byThread, newest first (a thread shorter than
//	(Comunicazioni)                           its request's messageCount: Query pk=REQ#id too)
//	the rooms                                 GetItem (ROOMS, CATALOGUE)
//	a request and the rooms                   GetMany on (REQ#id, META) and (ROOMS, CATALOGUE)
//	a request's thread and earlier requests   Query byThread, threadSort <= <listKey>#~, newest first
//	(the manager's page; the request read)    (a thread the index shows short: Query pk=REQ#id too)
//	every room's bookings in a window         Query pk=SLOTS#day, sk BETWEEN SLOT#from AND SLOT#to#~
//	                                          (one per UTC day of the window: one for a meeting
//	                                          within a day)
//	the bodies directory                      Query pk=BODIES, begins_with(sk, BODY#)
//	the bodies convened (up to 50)            GetMany on (BODIES, BODY#id)
//	a pratica's conferences and sessions      Query pk=PRATICA#id, begins_with(sk, CDS#); then SEDUTA#
//
// No access pattern scans. A page reads at most page+1 items when one key
// selects the list (the extra one tells whether a next page exists), whatever
// the table holds. Cursors carry the last item's key, bound to the list and
// signed with HMAC-SHA256, so a client can neither forge nor move them.
//
// # Changes
//
// Every change is one transaction (TransactWriteItems): the item, conditioned
// on its version (or on not existing), its history entries and its outbox
// events. A stale version fails with domain.ErrConflict and writes nothing.
// Creating a request also puts the pratica's LIVE lock if absent (else
// domain.ErrLiveRequestExists); a final state deletes it. Outbox ids derive
// from the change, so a retried change cannot enqueue a second mail.
// Convening a session writes the session (if absent), the conference at its
// next version (so two convocations at once cannot both pass), the pratica
// when its CDS becomes convened, the history and one outbox event per body.
//
// # History chain
//
// Every history entry is chained (package histchain): it carries its seq in
// the pratica's history, the previous entry's hash and its own, and the
// change's transaction also puts the pratica's HISTHEAD at the last entry,
// conditioned on the head as expected (absent, or at its seq). The head
// comes with the read that precedes the change, not with a read of its own:
// a change of a pratica reads it in the same GetMany as the pratica
// (PraticaToChange), and a change of a request takes the head the request's
// last change committed, stamped on its item (chainSeq, chainHash; see
// domain.ChainHead). Other changes read it with one GetItem. When only the
// head's condition fails (another change of the pratica committed in
// between, or the stamp is stale) the store reads it and retries, so callers
// see a conflict only for their own conditions. The entries keep their
// time-ordered sort key, so the Storico's pages and cursors are unchanged;
// the export orders the chain by seq. The first chained change of a pratica
// registered before the chain reads its older, unchained entries once
// (histchain.BeforeChain) and seals them in entry 1's prevHash; a pratica
// being created has none, and reads nothing.
package store
