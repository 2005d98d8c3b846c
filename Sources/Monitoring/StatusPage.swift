/// `GET /` on the monitoring port: one self-contained page (no external assets: it must work
/// on a box with no uplink) for a technician standing next to the box. It reads the JSON
/// endpoints beside it (`varz`, `jsz`) every five seconds and shows the uplink per remote, the
/// store-and-forward buffers, the streams, the clients, version, uptime and memory; the links to
/// the raw endpoints stay at the bottom, as nats-server's `/` has them.
enum StatusPage {
    static let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Outpost status</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:1rem;color:#222;background:#fafafa}
        h1{font-size:1.3rem;margin:0 0 .2rem} h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
        .meta{color:#555;font-size:.9rem} table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;font-size:.9rem}
        th{background:#eee} .up{color:#0a7d28;font-weight:bold} .down{color:#b00020;font-weight:bold}
        .error{color:#b00020} footer{margin-top:1.5rem;font-size:.85rem}
        </style></head><body>
        <h1 id="title">Outpost</h1>
        <div class="meta" id="meta">loading…</div>
        <div class="error" id="error"></div>
        <h2>Uplink</h2><table id="uplink"><tr><th>remote</th><th>state</th><th>last error</th></tr></table>
        <h2>Store-and-forward</h2><table id="buffers"><tr><th>remote</th><th>subjects</th><th>waiting</th><th>bytes</th><th>oldest</th><th>forwarded</th><th>discarded</th></tr></table>
        <h2>Streams</h2><table id="streams"><tr><th>stream</th><th>messages</th><th>bytes</th><th>last message</th></tr></table>
        <h2>Clients</h2><div id="clients"></div>
        <footer><a href="./varz">varz</a> · <a href="./connz">connz</a> · <a href="./subsz">subsz</a> ·
        <a href="./accountz">accountz</a> · <a href="./leafz">leafz</a> · <a href="./jsz">jsz</a> ·
        <a href="./healthz">healthz</a> · <a href="./metrics">metrics</a></footer>
        <script>
        function text(v){return document.createTextNode(String(v))}
        function row(table, cells, classes){
          const tr=document.createElement('tr');
          cells.forEach((c,i)=>{const td=document.createElement('td');td.appendChild(text(c));
            if(classes&&classes[i])td.className=classes[i];tr.appendChild(td)});
          table.appendChild(tr)}
        function clear(table){while(table.rows.length>1)table.deleteRow(1)}
        function bytes(n){const u=['B','KiB','MiB','GiB'];let i=0;while(n>=1024&&i<3){n/=1024;i++}
          return (i?n.toFixed(1):n)+' '+u[i]}
        function age(s){if(!s)return '—';if(s<120)return s.toFixed(0)+' s';if(s<7200)return (s/60).toFixed(0)+' min';
          return (s/3600).toFixed(1)+' h'}
        async function refresh(){
          try{
            const varz=await (await fetch('./varz')).json();
            const jsz=await (await fetch('./jsz?streams=true')).json();
            document.getElementById('title').textContent='Outpost '+varz.server_name;
            document.getElementById('meta').textContent='version '+varz.version+' ('+varz.go+') · up '+varz.uptime+
              ' · memory '+bytes(varz.mem)+' · cpu '+varz.cpu+'% · '+(jsz.disabled?'JetStream off':
              'JetStream store '+((jsz.config||{}).store_dir||'')+', '+bytes(jsz.storage||0)+' used');
            const remotes=((varz.leaf||{}).remotes)||[];
            const uplink=document.getElementById('uplink');clear(uplink);
            if(!remotes.length)row(uplink,['none configured','','']);
            remotes.forEach((r,i)=>row(uplink,[i+': '+(r.urls||[]).join(', '),r.state||'—',r.last_error||''],
              [null,r.state==='connected'?'up':'down',null]));
            const buffers=document.getElementById('buffers');clear(buffers);
            remotes.forEach((r,i)=>{const b=r.store_and_forward;if(!b)return;
              row(buffers,[i,(b.subjects||[]).join(' '),b.buffered_msgs,bytes(b.buffered_bytes),age(b.oldest_age_seconds),
                b.forwarded_msgs,b.discarded_msgs])});
            if(buffers.rows.length===1)row(buffers,['none','','','','','','']);
            const streams=document.getElementById('streams');clear(streams);
            (jsz.account_details||[]).forEach(a=>(a.stream_detail||[]).forEach(s=>{const st=s.state||{};
              row(streams,[s.name,st.messages,bytes(st.bytes||0),st.last_ts||'—'])}));
            if(streams.rows.length===1)row(streams,[jsz.disabled?'JetStream off':'none','','','']);
            document.getElementById('clients').textContent=varz.connections+' connected, '+varz.total_connections+
              ' since the start, '+varz.leafnodes+' leafnode link(s), '+varz.slow_consumers+' slow consumer(s) cut off';
            document.getElementById('error').textContent='';
          }catch(e){document.getElementById('error').textContent='cannot read the server: '+e}
        }
        refresh();setInterval(refresh,5000);
        </script></body></html>

        """
}
