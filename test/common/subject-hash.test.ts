// The subject hash equals what `openssl x509 -subject_hash` prints, for the subjects func certificates carry.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { subjectHash } from '../../common/subject-hash.js';

const SUBJECTS = [
  '/C=UN/ST=FC/L=Certmaster-town/O=certmaster/OU=slave-key/CN=host1.example.org/emailAddress=root@host1.example.org',
  '/C=UN/ST=FC/L=Certmaster-town/O=certmaster/OU=slave-key/CN=  Mixed.Case   Host  /emailAddress=root@X',
  '/CN=127.0.0.2',
  '/O=Ünïcödé Org/CN=élan-CA-KEY',
];

describe('common/subject-hash', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'func-hash-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  SUBJECTS.forEach((subject, i) => {
    for (const keyType of ['ec', 'rsa'] as const) {
      it(`matches openssl for ${JSON.stringify(subject)} (${keyType})`, function () {
        this.timeout(30000);
        const key = path.join(dir, `k${i}${keyType}.pem`);
        const cert = path.join(dir, `c${i}${keyType}.pem`);
        const newkey = keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
        execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-utf8', '-keyout', key, '-out', cert, '-subj', subject, '-days', '2'], { stdio: 'pipe' });
        const expected = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject_hash']).toString().trim();
        expect(subjectHash(fs.readFileSync(cert, 'utf8')).toString(16).padStart(8, '0')).to.equal(expected);
      });
    }
  });
});
