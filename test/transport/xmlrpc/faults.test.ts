// func's and certmaster's error wire shapes: every FuncError class mapped to its Fault or REMOTE_ERROR list,
// and Faults / REMOTE_ERROR lists mapped back to FaultError / RemoteError on the overlord side.
import { expect } from 'chai';
import {
  AccessDeniedError, CommandFailedError, ConfigError, ConnectionError, CsrRefusedError, InvalidArgumentsError,
  JobError, MarshalError, MethodNotFoundError, ModuleError, ModuleNotFoundError, PayloadTooLargeError, ProtocolError,
  RemoteError, TimeoutError,
} from '../../../common/errors.js';
import { FaultError } from '../../../transport/xmlrpc/faults.js';
import {
  certmasterErrorToWire, funcErrorToWire, wireToError, type WireOutcome,
} from '../../../transport/xmlrpc/faults.js';
import { isRemoteErrorList, remoteErrorList } from '../../../common/remote-failure.js';

const fault = (faultString: string): WireOutcome => ({ kind: 'fault', faultCode: 1, faultString });

// [error, its REMOTE_ERROR type and value]
const AS_REMOTE_ERROR: Array<[Error | string, string, string]> = [
  [new ModuleNotFoundError('nosuchmod'), 'func.minion.codes.ModuleNotFoundException', "no module named 'nosuchmod' on this minion"],
  [new ModuleNotFoundError('virt', 'libvirt not installed'), 'func.minion.codes.ModuleNotFoundException', "module 'virt' is not available: libvirt not installed"],
  [new MethodNotFoundError('test', 'nosuch'), 'func.minion.codes.InvalidMethodException', "module 'test' has no method 'nosuch'"],
  [new InvalidArgumentsError('add() takes exactly 3 arguments (2 given)'), 'exceptions.TypeError', 'add() takes exactly 3 arguments (2 given)'],
  [new ModuleError('khhhhhhaaaaaan!!!!!!'), 'exceptions.Exception', 'khhhhhhaaaaaan!!!!!!'],
  [new ModuleError('no such service', 'codes.FuncException'), 'codes.FuncException', 'no such service'],
  [new CommandFailedError('rpmbuild failed', { command: 'rpmbuild', exitCode: 1, stdout: '', stderr: 'x' }), 'func.minion.codes.FuncException', 'rpmbuild failed'],
  [new TimeoutError('call timed out after 20 s'), 'func.minion.codes.FuncException', 'call timed out after 20 s'],
  [new JobError('job 17 vanished'), 'func.minion.codes.FuncException', 'job 17 vanished'],
  [new ConnectionError('10.0.0.9:51234: connection refused'), 'socket.error', '10.0.0.9:51234: connection refused'],
  [new RemoteError('exceptions.ValueError', 'from a sub-minion', 'its trace'), 'exceptions.ValueError', 'from a sub-minion'],
  [new FaultError(1, "<class 'func.minion.codes.AccessToMethodDenied'>:"), 'xmlrpclib.Fault', `<Fault 1: "<class 'func.minion.codes.AccessToMethodDenied'>:">`],
  [new ConfigError('bad option'), 'exceptions.Exception', 'bad option'],
  [new RangeError('plain JS error'), 'exceptions.Exception', 'plain JS error'],
  ['a thrown string', 'exceptions.Exception', 'a thrown string'],
];

describe('transport/xmlrpc/faults', () => {
  describe('funcErrorToWire', () => {
    for (const [err, type, value] of AS_REMOTE_ERROR) {
      it(`maps ${err instanceof Error ? err.constructor.name : 'a string'} to a REMOTE_ERROR list of ${type}`, () => {
        const wire = funcErrorToWire(err);
        expect(wire.kind).to.equal('value');
        const list = (wire as { value: unknown[] }).value;
        expect(list.slice(0, 3)).to.deep.equal(['REMOTE_ERROR', type, value]);
        expect(list).to.have.length(4);
        expect(list[3]).to.be.a('string');
      });
    }

    it('keeps the trace of a RemoteError and formats JS stacks on one line without checkout paths', () => {
      expect((funcErrorToWire(new RemoteError('t', 'm', 'their trace')) as { value: unknown[] }).value[3]).to.equal('their trace');
      const trace = (funcErrorToWire(new Error('x')) as { value: string[] }).value[3]!;
      expect(trace).to.match(/^at .+ at /);
      expect(trace).not.to.include('\n');
      expect(trace).not.to.include(process.cwd() + '/');
    });

    it('gives Faults as func for ACL denial (with our message) and marshalling failures', () => {
      expect(funcErrorToWire(new AccessDeniedError('whatever reason'))).to.deep.equal(fault("<class 'func.minion.codes.AccessToMethodDenied'>:whatever reason"));
      expect(funcErrorToWire(new MarshalError('int exceeds XML-RPC limits', 'exceptions.OverflowError')))
        .to.deep.equal(fault("<type 'exceptions.OverflowError'>:int exceeds XML-RPC limits"));
      expect(funcErrorToWire(new MarshalError("cannot marshal <type 'Map'> objects")))
        .to.deep.equal(fault("<type 'exceptions.TypeError'>:cannot marshal <type 'Map'> objects"));
    });

    it('gives Faults for undecodable and oversized requests', () => {
      expect(funcErrorToWire(new ProtocolError('XML-RPC: malformed XML: 1:8: undefined entity.')))
        .to.deep.equal(fault("<class 'xml.parsers.expat.ExpatError'>:XML-RPC: malformed XML: 1:8: undefined entity."));
      expect(funcErrorToWire(new PayloadTooLargeError('XML-RPC: values nested deeper than 64')))
        .to.deep.equal(fault("<type 'exceptions.ValueError'>:XML-RPC: values nested deeper than 64"));
    });
  });

  describe('certmasterErrorToWire', () => {
    it("always gives Fault 1 <class 'certmaster.codes.X'>", () => {
      expect(certmasterErrorToWire(new MethodNotFoundError('', 'nosuch'))).to.deep.equal(fault("<class 'certmaster.codes.InvalidMethodException'>:"));
      expect(certmasterErrorToWire(new CsrRefusedError('CSR subject equals the CA subject')))
        .to.deep.equal(fault("<class 'certmaster.codes.CertMasterException'>:CSR subject equals the CA subject"));
      expect(certmasterErrorToWire(new Error('trigger failed'))).to.deep.equal(fault("<class 'certmaster.codes.CertMasterException'>:trigger failed"));
      expect(certmasterErrorToWire(new ProtocolError('bad'))).to.deep.equal(fault("<class 'xml.parsers.expat.ExpatError'>:bad"));
    });
  });

  describe('wireToError', () => {
    it('makes FaultError from a fault and RemoteError from a REMOTE_ERROR list', () => {
      expect(wireToError({ ok: false, faultCode: 3, faultString: 'boom' })).to.be.instanceOf(FaultError).and.include({ faultCode: 3, faultString: 'boom' });
      const remote = wireToError({ ok: true, value: remoteErrorList({ type: 'socket.error', message: '[Errno 111] Connection refused', trace: 'tb' }) });
      expect(remote).to.be.instanceOf(RemoteError).and.include({ remoteType: 'socket.error', message: '[Errno 111] Connection refused', trace: 'tb' });
      expect(wireToError({ ok: true, value: ['REMOTE_ERROR', 'lost job'] })).to.include({ remoteType: 'lost job', message: '', trace: '' });
    });

    it('leaves ordinary values alone', () => {
      for (const value of [1, 'REMOTE_ERROR', [], ['remote_error', 'x'], [1, 'REMOTE_ERROR'], { 0: 'REMOTE_ERROR' }]) {
        expect(wireToError({ ok: true, value })).to.equal(null);
      }
      expect(isRemoteErrorList(['REMOTE_ERROR'])).to.equal(true);
      expect(isRemoteErrorList([])).to.equal(false);
    });
  });
});
