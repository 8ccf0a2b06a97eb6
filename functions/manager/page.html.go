package manager

// pageHTML is the signed-link page: plain HTML forms, no script.
const pageHTML = `<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem} dt{font-weight:600}
.notice{background:#e7f5e9;border-left:4px solid #2e7d32;padding:.5rem 1rem}
.error{background:#fdecea;border-left:4px solid #c62828;padding:.5rem 1rem}
.field-error{color:#c62828;font-size:.9rem}
label{display:block;margin-top:.6rem;font-weight:600} input[type=text],input[type=url],textarea,select{width:100%;max-width:36rem;padding:.35rem;font:inherit}
button{display:block;margin-top:.8rem;padding:.45rem 1rem;font:inherit;cursor:pointer}
*{box-sizing:border-box}
.closed{background:#f1f1f1;border-left:4px solid #666;padding:.5rem 1rem}
.msg{border:1px solid #ddd;padding:.5rem;margin:.5rem 0} .msg small{color:#555}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
</style>
</head>
<body>
<header><p>Regione Calabria · Servizio regionale videoconferenze SUAP</p></header>
<main>
<h1>{{.Title}}</h1>
{{if .Notice}}<p class="notice" role="status" id="notice">{{.Notice}}</p>{{end}}
{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}
{{if not .Blocked}}{{with .Detail.Request}}
<dl id="request">
<dt>Struttura mittente</dt><dd>{{.OfficeName}}</dd>
<dt>Numero pratica</dt><dd>{{.PraticaNumber}}</dd>
<dt>Mittente</dt><dd>{{.CreatedByName}}</dd>
<dt>Data di invio</dt><dd>{{rome .CreatedAt}}</dd>
<dt>Oggetto</dt><dd id="subject">{{.Subject}}</dd>
<dt>Data e ora</dt><dd>{{rome .Start}}</dd>
<dt>Durata</dt><dd>{{duration .DurationMinutes}}</dd>
<dt>Con registrazione</dt><dd>{{if .Recording}}Sì{{else}}No{{end}}</dd>
<dt>Indirizzo email</dt><dd>{{.Email}}</dd>
<dt>Stato richiesta</dt><dd id="state">{{state .State}}</dd>
{{if .AssigneeName}}<dt>Assegnatario</dt><dd>{{.AssigneeName}}</dd>{{end}}
{{with .Meeting}}<dt>Codice riunione</dt><dd id="meeting-code">{{.Code}}</dd>
<dt>Password</dt><dd>{{.Password}}</dd>
<dt>Link</dt><dd><a href="{{.Link}}" rel="noreferrer">{{.Link}}</a></dd>{{end}}
{{if .StateReason}}<dt>Motivazione</dt><dd>{{.StateReason}}</dd>{{end}}
{{with .RecordingFile}}<dt>Registrazione</dt><dd id="recording">acquisita il {{rome .AcquiredAt}} ({{.ContentType}}, {{size .Size}})</dd>{{end}}
</dl>
{{end}}

<h2>Comunicazioni</h2>
{{range .Detail.Messages}}<div class="msg"><strong>{{.Subject}}</strong> <small>— {{.SenderName}}, {{rome .At}} (stato: {{state .StateAtSend}})</small>{{if .Body}}<p>{{.Body}}</p>{{end}}</div>
{{else}}<p>Nessuna comunicazione.</p>{{end}}

{{if .Closed}}
<p class="closed" id="closed">La richiesta è conclusa: non è più possibile rispondere né inviare comunicazioni.</p>
{{else}}
{{if eq .Detail.Request.State "APERTA"}}
<h2>Disponibile</h2>
<form method="post" action="{{.Action "accetta"}}" id="accept">
<input type="hidden" name="t" value="{{.Token}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="roomId">Sala</label>
<select name="roomId" id="roomId" required>
{{$sel := .Value "roomId"}}{{range .Rooms}}{{if .Free}}<option value="{{.Room.ID}}"{{if eq .Room.ID $sel}} selected{{end}}>{{.Room.Name}}</option>{{end}}{{end}}
</select>
{{with index .Fields "roomId"}}<p class="field-error">{{.}}</p>{{end}}
<table><caption>Sale nell'orario richiesto</caption><tr><th>Sala</th><th>Stato</th><th>Link predefinito</th></tr>
{{range .Rooms}}<tr><td>{{.Room.Name}}</td><td>{{if .Free}}libera{{else}}occupata{{end}}</td><td>{{.Room.DefaultLink}}</td></tr>{{end}}
</table>
<label for="code">Codice riunione</label><input type="text" name="code" id="code" required maxlength="50" value="{{.Value "code"}}">
{{with index .Fields "code"}}<p class="field-error">{{.}}</p>{{end}}
<label for="password">Password</label><input type="text" name="password" id="password" required maxlength="50" value="{{.Value "password"}}">
{{with index .Fields "password"}}<p class="field-error">{{.}}</p>{{end}}
<label for="link">Link della riunione</label><input type="url" name="link" id="link" required maxlength="500" value="{{.Value "link"}}">
{{with index .Fields "link"}}<p class="field-error">{{.}}</p>{{end}}
<button type="submit">Conferma disponibilità</button>
</form>
<h2>Non disponibile</h2>
<form method="post" action="{{.Action "rifiuta"}}" id="decline">
<input type="hidden" name="t" value="{{.Token}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="decline-message">Messaggio per l'ufficio</label><textarea name="message" id="decline-message" rows="3" required>{{.Value "message"}}</textarea>
{{with index .Fields "message"}}<p class="field-error">{{.}}</p>{{end}}
<button type="submit">Comunica non disponibilità</button>
</form>
{{else}}
<h2>Annulla la videoconferenza</h2>
<form method="post" action="{{.Action "annulla"}}" id="cancel">
<input type="hidden" name="t" value="{{.Token}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="cancel-message">Motivo dell'annullamento</label><textarea name="message" id="cancel-message" rows="3" required>{{.Value "message"}}</textarea>
<button type="submit">Annulla e libera la sala</button>
</form>
{{end}}
{{if .Uploads}}
<h2>Registrazione</h2>
<p id="upload-help">Caricare il file della registrazione della seduta (audio o video, al massimo {{.MaxLabel}}). Il file va direttamente all'archivio regionale; la richiesta diventa «Evasa» appena il file è verificato. La registrazione contiene dati personali: va usata solo per redigere il verbale.</p>
{{range .Uploads}}<form method="post" action="{{.URL}}" enctype="multipart/form-data" id="upload-{{.Kind}}">
{{range $name, $value := .Fields}}<input type="hidden" name="{{$name}}" value="{{$value}}">
{{end}}<label for="type-{{.Kind}}">Formato</label>
<select name="Content-Type" id="type-{{.Kind}}">{{range .Types}}<option value="{{.}}">{{.}}</option>{{end}}</select>
<label for="file-{{.Kind}}">File</label><input type="file" name="file" id="file-{{.Kind}}" accept="{{.Accept}}" required>
<button type="submit">{{.Label}}</button>
</form>
{{end}}{{else if .UploadFrom}}
<h2>Registrazione</h2>
<p id="upload-later">La registrazione si potrà caricare dall'inizio della videoconferenza, il {{.UploadFrom}}.</p>
{{end}}
<h2>Nuova comunicazione</h2>
<form method="post" action="{{.Action "messaggio"}}" id="message">
<input type="hidden" name="t" value="{{.Token}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="msg-subject">Oggetto</label><input type="text" name="subject" id="msg-subject" required maxlength="200" value="{{.Value "subject"}}">
{{with index .Fields "subject"}}<p class="field-error">{{.}}</p>{{end}}
<label for="msg-body">Messaggio</label><textarea name="body" id="msg-body" rows="4">{{.Value "body"}}</textarea>
<button type="submit">Invia comunicazione</button>
</form>
{{end}}
{{end}}
</main>
</body>
</html>
`
