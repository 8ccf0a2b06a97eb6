package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// wired is what the template's functions became in this process: the HTTP
// handlers by function, the change feed's consumers, the schedules, and
// what could not be wired (named at start).
type wired struct {
	handlers  map[string]http.Handler
	consumers []*consumer
	jobs      []job
	notWired  []string
}

// wireFunctions builds each template function's handlers from the registry
// with base0 (tagged with the function's logical id): its routes, stream
// consumers (positions kept in feedDir), schedules (every0, when set,
// instead of each rate) and S3 subscriptions on objects.
func wireFunctions(tpl *samTemplate, reg map[string]wiring, base0 env, every0 time.Duration, feedDir string,
	hasFeed bool, objects *localS3, logger *slog.Logger) (w wired, err error) {
	w.handlers = map[string]http.Handler{}
	for _, id := range tpl.FunctionIDs() {
		f := tpl.Functions[id]
		fw := reg[id]
		e := base0
		e.Logger = logger.With("function", id)
		var missing []string
		if len(f.Routes) > 0 {
			if fw.HTTP != nil {
				if w.handlers[id], err = fw.HTTP(e); err != nil {
					return w, fmt.Errorf("%s: %w", id, err)
				}
			} else {
				missing = append(missing, "HTTP")
			}
		}
		for _, s := range f.Streams {
			h := logOutbox(e.Logger)
			if fw.Stream != nil {
				if h, err = fw.Stream(e); err != nil {
					return w, fmt.Errorf("%s: %w", id, err)
				}
			} else {
				missing = append(missing, "stream (outbox items are only logged)")
			}
			cons, err := newConsumer(s, h, f.Timeout, feedDir)
			if err != nil {
				return w, err
			}
			w.consumers = append(w.consumers, cons)
		}
		for _, s := range f.Schedules {
			switch {
			case !s.Enabled:
			case fw.Schedule == nil:
				missing = append(missing, "schedule")
			default:
				h, err := fw.Schedule(e)
				if err != nil {
					return w, fmt.Errorf("%s: %w", id, err)
				}
				every := every0
				if every == 0 {
					every = s.Every
				}
				if every == 0 {
					every = time.Hour // a cron expression: hourly is close enough locally
				}
				w.jobs = append(w.jobs, job{ev: s, every: every, handle: h, timeout: f.Timeout})
			}
		}
		for _, s := range f.S3 {
			if fw.S3 == nil {
				missing = append(missing, "S3")
				continue
			}
			h, err := fw.S3(e)
			if err != nil {
				return w, fmt.Errorf("%s: %w", id, err)
			}
			// One local bucket: every S3 event is on it.
			objects.subscribe(s, h, f.Timeout)
		}
		missing = append(missing, f.Others...)
		if len(missing) > 0 {
			logger.Warn("not wired locally", "function", id, "parts", strings.Join(missing, ", "))
			w.notWired = append(w.notWired, id+": "+strings.Join(missing, ", "))
		}
	}
	if len(w.consumers) == 0 && hasFeed {
		// No stream event in the template yet: feed notify anyway, with its
		// filter (or, without notify, log the outbox items).
		e := base0
		e.Logger = logger.With("function", "NotifyFunction")
		h := logOutbox(e.Logger)
		if nf := reg["NotifyFunction"]; nf.Stream != nil {
			if h, err = nf.Stream(e); err != nil {
				return w, fmt.Errorf("NotifyFunction: %w", err)
			}
			w.notWired = append(w.notWired, "NotifyFunction: no DynamoDB event in template.yaml; fed with its filter anyway")
		} else {
			w.notWired = append(w.notWired, "NotifyFunction: not in template.yaml; outbox items are only logged")
		}
		cons, err := newConsumer(streamEvent{Function: "NotifyFunction", Event: "Outbox", BatchSize: 100, MaxRetries: -1,
			Patterns: []string{defaultOutboxPattern}, ReportFailures: true}, h, 30*time.Second, feedDir)
		if err != nil {
			return w, err
		}
		w.consumers = append(w.consumers, cons)
	}

	return w, nil
}
