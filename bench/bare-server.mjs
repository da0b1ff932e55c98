// A bare node:http server answering POST /chat with a reply of a sessbench turn's shape (a context of
// 50 turn ids and a 600-byte reply): the ceiling a chat service instance is measured against.
import http from 'node:http';

const context = Array.from({ length: 50 }, (_, i) => `c0t${i}`);
const reply = JSON.stringify({ turnId: 'c0t50', created: false, version: 50, context, instance: 0, reply: 'x'.repeat(600) });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) }).end(reply);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
