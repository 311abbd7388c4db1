// The Kubernetes manifests of examples/kubernetes, validated offline against the Kubernetes schemas.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

describe('examples/kubernetes', () => {
  const kinds = { Deployment, Secret } as const;
  it('every manifest validates against the Kubernetes schemas (offline)', () => {
    for (const file of ['deployment.yaml', 'secret.yaml']) {
      for (const document of parseAllDocuments(readFileSync(join(root, 'examples', 'kubernetes', file), 'utf8'))) {
        const object = document.toJS() as { kind: keyof typeof kinds };
        assert.ok(object.kind in kinds, `${file}: a ${object.kind} this test does not know`);
        new kinds[object.kind](object as never).validate();
      }
    }
  });

  it('the validator rejects a wrong type (it is not a test that cannot fail)', () => {
    const deployment = parseAllDocuments(readFileSync(join(root, 'examples', 'kubernetes', 'deployment.yaml'), 'utf8'))[0]!.toJS();
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    assert.throws(() => new Deployment(deployment).validate(), /containerPort must be integer/);
  });
});
