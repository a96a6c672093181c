#!/usr/bin/env bash
# A paired A/B of two Gatehouse variants (two jars, two configs, or both), for effects smaller than this machine's
# run-to-run noise. Both gateways run at once on CPU 1 (one event loop each); the load alternates between them
# in short rounds (A B, then B A), so both see the same machine state over time. An nginx origin serving /1k and
# the load generator share CPU 0.
#
#   bench/ab.sh c50|rate JAR_A CFG_A JAR_B CFG_B [ROUNDS] [WARMUP_SECONDS]
#
# c50:  wrk -c50 for 5 s per round: req/s and the gateway's user and system CPU microseconds per request.
# rate: h2load --h1 -c50 at a fixed 5,000 req/s for 8 s per round: p50/p99/p99.9 latency in microseconds.
# Prints one line per round, then the medians and the median of the per-round B/A ratios. The configs take their
# ports from PB_PORT / PB_BACKEND_PORT like proxybench's candidates (bench/configs/*.yaml); PB_REDIS_URL is passed
# through; AB_JVM_A / AB_JVM_B add JVM options to one side. Needs nginx, wrk, h2load (apt-get install nginx wrk nghttp2-client).
set -euo pipefail
MODE=$1 JA=$2 CA=$3 JB=$4 CB=$5 ROUNDS=${6:-10} WARM=${7:-40}
DIR=$(mktemp -d /tmp/gatehouse-ab.XXXX)
ORIGIN=18281 PA=18282 PB=18283
trap 'kill $(cat $DIR/*.pid 2>/dev/null) 2>/dev/null || true; nginx -p $DIR -c $DIR/origin.conf -s stop 2>/dev/null || true' EXIT

mkdir -p "$DIR/www" "$DIR/logs" "$DIR/tmp"
head -c 1023 /dev/zero | tr '\0' 'a' > "$DIR/www/1k"; echo >> "$DIR/www/1k"
chmod 755 "$DIR" "$DIR/www"; chmod 644 "$DIR/www/1k"    # nginx's worker runs as nobody
cat > "$DIR/origin.conf" <<EOF
worker_processes 1;
pid $DIR/origin.pid;
error_log $DIR/logs/origin-error.log warn;
events { worker_connections 16384; }
http {
  access_log off; server_tokens off; keepalive_timeout 300s; keepalive_requests 10000000;
  client_body_temp_path $DIR/tmp/b; proxy_temp_path $DIR/tmp/p; fastcgi_temp_path $DIR/tmp/f;
  uwsgi_temp_path $DIR/tmp/u; scgi_temp_path $DIR/tmp/s;
  default_type application/octet-stream;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  server { listen 127.0.0.1:$ORIGIN backlog=4096; root $DIR/www; }
}
EOF
taskset -c 0 nginx -p "$DIR" -c "$DIR/origin.conf"

start() { # jar config port [jvm options] -> pid file
  # shellcheck disable=SC2086
  PB_PORT=$3 PB_BACKEND_PORT=$ORIGIN PB_WORKERS=1 PB_KEEPALIVE=512 taskset -c 1 \
    java -Xms256m -Xmx256m ${4:-} -jar "$1" run -c "$2" > "$DIR/logs/gw-$3.log" 2>&1 &
  echo $! > "$DIR/gw-$3.pid"
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$3/1k" && return 0; sleep 0.2; done
  echo "gateway on port $3 did not start; see $DIR/logs/gw-$3.log" >&2; exit 1
}
start "$JA" "$CA" $PA "${AB_JVM_A:-}"
start "$JB" "$CB" $PB "${AB_JVM_B:-}"
for p in $PA $PB; do taskset -c 0 wrk -t1 -c50 -d"${WARM}s" "http://127.0.0.1:$p/1k" > /dev/null; done

TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15, $14, $15}' "/proc/$(cat "$DIR/gw-$1.pid")/stat"; }
round() { # port -> one result
  if [ "$MODE" = c50 ]; then
    read -r _ u0 s0 < <(cpu "$1")
    n=$(taskset -c 0 wrk -t1 -c50 -d5s "http://127.0.0.1:$1/1k" | awk '/requests in/{print $1}')
    read -r _ u1 s1 < <(cpu "$1")
    awk -v n="$n" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v t="$TCK" \
      'BEGIN{printf "%d %.1f %.1f", n / 5, u * 1e6 / t / n, s * 1e6 / t / n}'
  else
    rm -f "$DIR/h2load.log"
    taskset -c 0 h2load --h1 -t1 -c50 --rps=100 -D 8 --warm-up-time=1 --log-file="$DIR/h2load.log" \
      "http://127.0.0.1:$1/1k" > /dev/null 2>&1
    cut -f3 "$DIR/h2load.log" | sort -n | awk '{v[NR]=$1} END{printf "%d %d %d", v[int(NR*0.5+0.999)],
      v[int(NR*0.99+0.999)], v[int(NR*0.999+0.999)]}'
  fi
}
if [ "$MODE" = c50 ]; then echo "round | A: req/s user-us sys-us | B: req/s user-us sys-us"
else echo "round | A: p50 p99 p99.9 (us) | B: p50 p99 p99.9 (us)"; fi
for i in $(seq "$ROUNDS"); do
  if (( i % 2 )); then a=$(round $PA); b=$(round $PB); else b=$(round $PB); a=$(round $PA); fi
  echo "$i | $a | $b"
done | tee "$DIR/rounds.txt"
# medians of each column, and of B/A for the headline figure (req/s for c50, p99 for rate)
awk -F' [|] ' -v mode="$MODE" '
  function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  { split($2, x, " "); split($3, y, " "); n++; a1[n]=x[1]; a2[n]=x[2]; a3[n]=x[3]; b1[n]=y[1]; b2[n]=y[2]; b3[n]=y[3]
    r[n] = mode == "c50" ? y[1] / x[1] : y[2] - x[2] }
  END { printf "median | A: %s %s %s | B: %s %s %s | %s %s\n", med(a1,n), med(a2,n), med(a3,n), med(b1,n), med(b2,n), med(b3,n),
    mode == "c50" ? "B/A req/s" : "B-A p99 us", med(r,n) }' "$DIR/rounds.txt"
