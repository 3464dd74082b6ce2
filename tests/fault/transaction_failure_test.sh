#!/usr/bin/env bash
# Scenario: the database accepts connections but every transaction fails for a while (a trigger
# raises mid-batch). Each failed batch is rolled back, no offset is committed, the same batch
# is retried, and in the end there is no gap and no duplicate.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets
write_config 10 1 "" '"batch_max_messages": 50'
start_service consumer; start_service producer
wait_until 30 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) -gt 10 ]]" ||
  fail "no rows before the injected failure"
# Fails on the 2nd row of any batch, i.e. after an earlier row of the same transaction was
# inserted, as long as the table injected_failure exists. (Batches here hold a few reports:
# ten a second, read in 0.2 s batches.)
sql "CREATE TABLE injected_failure ();
     CREATE FUNCTION fail_mid_batch() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN
       IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'injected_failure')
          AND (SELECT count(*) FROM reports WHERE inserted_at = now()) >= 1 THEN
         RAISE EXCEPTION 'injected failure in the middle of a batch';
       END IF;
       RETURN NEW;
     END \$\$;
     CREATE TRIGGER fail_mid_batch BEFORE INSERT ON reports FOR EACH ROW EXECUTE FUNCTION fail_mid_batch();"
log "transactions now fail mid-batch for 15 s"
sleep 15
rows_during=$(rows)
sql "DROP TABLE injected_failure"
log "failure removed (rows during the failure stayed at $rows_during)"
sleep 8
stop_service producer
probes=$(producer_total probes)
check_exact "$probes"
stop_service consumer
failed=$(grep -c 'rolled back, offsets held' "$work/consumer.log" || true)
((failed >= 3)) || fail "expected several rolled-back attempts, saw $failed"
grep -q 'injected failure in the middle of a batch' "$work/consumer.log" || fail "the database's reason was not logged"
pass "transaction failures: $failed rolled-back attempts, then $probes rows for $probes probes, no gap, no duplicate"
