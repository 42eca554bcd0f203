// func's transport-neutral error model: what a caller is told of each error class, and the rebuilt RemoteError.
import { expect } from 'chai';
import {
  AccessDeniedError, AclError, InvalidArgumentsError, MethodNotFoundError, ModuleError, ModuleNotFoundError, RemoteError, TimeoutError,
} from '../../common/errors.js';
import {
  errorFromFailure, failureFromList, failureOf, isRemoteErrorList, remoteErrorList,
} from '../../common/remote-failure.js';

describe('common/remote-failure', () => {
  it('gives func\'s type names and our codes', () => {
    const cases: Array<[Error, string, string | undefined]> = [
      [new AccessDeniedError('no'), 'func.minion.codes.AccessToMethodDenied', 'FUNC_ERR_ACCESS_DENIED'],
      [new AclError('bad acl'), 'exceptions.ValueError', 'FUNC_ERR_ACL'],
      [new ModuleNotFoundError('x'), 'func.minion.codes.ModuleNotFoundException', 'FUNC_ERR_MODULE_NOT_FOUND'],
      [new MethodNotFoundError('x', 'y'), 'func.minion.codes.InvalidMethodException', 'FUNC_ERR_METHOD_NOT_FOUND'],
      [new InvalidArgumentsError('bad'), 'exceptions.TypeError', 'FUNC_ERR_INVALID_ARGUMENTS'],
      [new ModuleError('m', 'exceptions.OSError'), 'exceptions.OSError', 'FUNC_ERR_MODULE_FAILED'],
      [new TimeoutError('late'), 'func.minion.codes.FuncException', 'FUNC_ERR_TIMEOUT'],
      [new RangeError('plain'), 'exceptions.Exception', undefined],
    ];
    for (const [err, type, code] of cases) {
      const f = failureOf(err);
      expect([f.type, f.code, f.message], err.constructor.name).to.deep.equal([type, code, err.message]);
    }
    expect(failureOf(new ModuleError('m')).trace).to.match(/^at /);
  });

  it('passes a RemoteError through unchanged (a minion relaying another\'s error)', () => {
    expect(failureOf(new RemoteError('exceptions.IOError', 'gone', 'tb', 'FUNC_ERR_MODULE_FAILED')))
      .to.deep.equal({ type: 'exceptions.IOError', message: 'gone', trace: 'tb', code: 'FUNC_ERR_MODULE_FAILED' });
  });

  it('rebuilds a RemoteError, with a code for func\'s own exception types', () => {
    const e = errorFromFailure({ type: 'func.minion.codes.ModuleNotFoundException', message: 'm', trace: 't' });
    expect(e).to.be.instanceOf(RemoteError).and.include({ remoteType: 'func.minion.codes.ModuleNotFoundException', trace: 't', remoteCode: 'FUNC_ERR_MODULE_NOT_FOUND' });
    expect(errorFromFailure({ type: 'exceptions.Exception', message: 'm', trace: '' }).remoteCode).to.equal(undefined);
  });

  it('reads and writes func\'s REMOTE_ERROR list', () => {
    const list = remoteErrorList({ type: 'exceptions.Exception', message: 'boom', trace: 'tb' });
    expect(list).to.deep.equal(['REMOTE_ERROR', 'exceptions.Exception', 'boom', 'tb']);
    expect(isRemoteErrorList(list)).to.equal(true);
    expect(isRemoteErrorList(['OK'])).to.equal(false);
    expect(failureFromList(['REMOTE_ERROR', 'x'])).to.deep.equal({ type: 'x', message: '', trace: '' });
  });
});
