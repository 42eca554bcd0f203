// The option files shipped in etc/func/modules/ for the build modules: each parses with its module's schema and
// states exactly the defaults, so the file documents the module and can never drift from it.
import path from 'node:path';
import { expect } from 'chai';
import { applySchema } from '../../common/config.js';
import { readModuleOptions } from '../../minion/module-context.js';
import createrepo from '../../modules/createrepo.js';
import mock from '../../modules/mock.js';
import webpage from '../../modules/webpage.js';
import { repoRoot } from '../helpers/processes.js';

describe('etc/func/modules option files of the build modules', () => {
  for (const [file, def] of [['Mock', mock], ['Createrepo', createrepo], ['Webpage', webpage]] as const) {
    it(`${file}.conf parses and states the module's defaults`, () => {
      expect(def.optionsFile).to.equal(file);
      const shipped = readModuleOptions(path.join(repoRoot, 'etc/func/modules', `${file}.conf`), def.options, '/');
      expect(shipped).to.deep.equal(applySchema(def.options, {}, `${file} defaults`, '/'));
    });
  }
});
