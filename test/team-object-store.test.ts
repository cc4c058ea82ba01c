/** A team's access to an external object store: Secret by name, or a workload identity on its ServiceAccounts; every validation. */
import { App, Testing } from 'cdk8s';
import fc from 'fast-check';
import { Validator } from '../src/core/errors';
import { platformContext } from '../src/core/context';
import { isObjectProvider } from '../src/core/references';
import { Platform } from '../src/constructs/platform/platform';
import {
  checkTeamObjectStore,
  isWorkloadIdentity,
  WORKLOAD_IDENTITY_ANNOTATIONS,
  workloadIdentityAnnotations,
} from '../src/constructs/team-object-store';
import { TEAM_SERVICE_ACCOUNTS, TeamSpace, TeamSpaceProps } from '../src/constructs/team-space';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const platform = platformContext();
const ARN = 'arn:aws:iam::123456789012:role/risk-s3';
const GSA = 'risk-s3@my-project.iam.gserviceaccount.com';
const AZ = '0b9e2c3a-1f4d-4c5e-9a8b-7c6d5e4f3a2b';

function synth(props: Partial<TeamSpaceProps> = {}) {
  const chart = Testing.chart();
  const space = new TeamSpace(chart, 'risk', { name: 'risk', platform, ...props });
  return { space, objs: Testing.synth(chart) };
}

describe('TeamSpace objectStore', () => {
  test.each([
    ['awsRoleArn', ARN, 'eks.amazonaws.com/role-arn'],
    ['gcpServiceAccount', GSA, 'iam.gke.io/gcp-service-account'],
    ['azureClientId', AZ, 'azure.workload.identity/client-id'],
  ])('workload identity %s: annotated on both ServiceAccounts', (kind, value, annotation) => {
    const { objs } = synth({ objectStore: { workloadIdentity: { [kind]: value } } });
    for (const sa of Object.values(TEAM_SERVICE_ACCOUNTS))
      expect(findObject(objs, 'ServiceAccount', sa).metadata.annotations).toEqual({ [annotation]: value });
  });

  test('no identity: no annotations; the Secret name reaches the team context', () => {
    const { space, objs } = synth({ objectStore: { credentialsSecret: 'risk-s3' } });
    expect(findObject(objs, 'ServiceAccount', TEAM_SERVICE_ACCOUNTS.workload).metadata.annotations).toBeUndefined();
    expect(space.context.objectStore.credentialsSecret).toBe('risk-s3');
    expect(synth().space.context.objectStore.credentialsSecret).toBe('modelplane-s3');
  });

  const C = 'TeamSpace "risk"';
  test.each([
    ['objectStore', 'risk-s3', 'risk-s3'],
    ['objectStore.secret', { secret: 'x' }, 'secret'],
    ['objectStore.credentialsSecret', { credentialsSecret: 'Risk_S3' }, 'Risk_S3'],
    ['objectStore.workloadIdentity', { workloadIdentity: 'arn' }, 'arn'],
    ['objectStore.workloadIdentity', { workloadIdentity: {} }, []],
    [
      'objectStore.workloadIdentity',
      { workloadIdentity: { awsRoleArn: ARN, gcpServiceAccount: GSA } },
      ['awsRoleArn', 'gcpServiceAccount'],
    ],
    ['objectStore.workloadIdentity.awsRoleArn', { workloadIdentity: { awsRoleArn: 'arn:aws:iam::12:role/x' } }, 'arn:aws:iam::12:role/x'],
    [
      'objectStore.workloadIdentity.awsRoleArn',
      { workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:user/x' } },
      'arn:aws:iam::123456789012:user/x',
    ],
    ['objectStore.workloadIdentity.gcpServiceAccount', { workloadIdentity: { gcpServiceAccount: 'risk@gmail.com' } }, 'risk@gmail.com'],
    ['objectStore.workloadIdentity.azureClientId', { workloadIdentity: { azureClientId: 'not-a-uuid' } }, 'not-a-uuid'],
    ['objectStore.workloadIdentity.azureClientId', { workloadIdentity: { azureClientId: 42 } }, 42],
    ['objectStore.workloadIdentity.oidc', { workloadIdentity: { oidc: 'x' } }, 'oidc'],
  ])('%s (%j)', (field, objectStore, value) => {
    expectIssue(() => synth({ objectStore } as unknown as Partial<TeamSpaceProps>), { construct: C, field, value });
  });

  test('the fix of a bad identity shows the form to write', () => {
    expect(() => synth({ objectStore: { workloadIdentity: { awsRoleArn: 'risk' } } })).toThrow(
      /`objectStore\.workloadIdentity\.awsRoleArn` = "risk": is not the ARN of an IAM role\. Fix: write it like "arn:aws:iam::123456789012:role\/risk-s3"/,
    );
  });

  test('property: every valid identity of one kind is accepted and annotated as itself; annotations never mix kinds', () => {
    const digits = fc.stringMatching(/^\d{12}$/);
    const role = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,40}$/);
    fc.assert(
      fc.property(digits, role, (account, name) => {
        const arn = `arn:aws:iam::${account}:role/${name}`;
        expect(isWorkloadIdentity('awsRoleArn', arn)).toBe(true);
        const v = new Validator('TeamSpace', 't');
        checkTeamObjectStore(v, 'objectStore', { workloadIdentity: { awsRoleArn: arn } });
        expect(v.result(() => 0).issues).toEqual([]);
        expect(workloadIdentityAnnotations({ awsRoleArn: arn })).toEqual({ [WORKLOAD_IDENTITY_ANNOTATIONS.awsRoleArn]: arn });
      }),
    );
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        expect(isWorkloadIdentity('azureClientId', id.toLowerCase())).toBe(true);
        expect(isWorkloadIdentity('awsRoleArn', id)).toBe(false);
        expect(isWorkloadIdentity('gcpServiceAccount', id)).toBe(false);
      }),
    );
  });
});

describe('Platform: per-team object-store settings', () => {
  test('external store: the team Secret name reaches the team models, the identity its ServiceAccounts; nothing provisioned', () => {
    const app = new App();
    const p = new Platform(app, 'platform', {
      mlflow: { artifactStore: { s3: { bucket: 'ml-artifacts', endpoint: 'https://s3.example.com' } } },
      teams: [{ name: 'risk', objectStore: { credentialsSecret: 'risk-s3', workloadIdentity: { awsRoleArn: ARN } } }, { name: 'geo' }],
    });
    expect(p.models('risk').platform.objectStore.credentialsSecret).toBe('risk-s3');
    expect(p.models('geo').platform.objectStore.credentialsSecret).toBe('modelplane-s3');
    const sa = findObject(p.teamChart('risk').toJson(), 'ServiceAccount', TEAM_SERVICE_ACCOUNTS.spark);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ARN });
    // The bootstrap still makes the embedded database's password, but no team Secret and no store to provision.
    const cm = findObject(p.toJson(), 'ConfigMap', 'modelplane-secret-bootstrap');
    expect(Object.keys(cm.data).sort()).toEqual(['bootstrap.py', 'secrets.json']);
    expect(JSON.parse(cm.data['secrets.json'])).toEqual([{ name: 'mlflow-postgres', keys: ['password'] }]);
    expect(findObject(p.teamChart('risk').toJson(), 'ServiceAccount', TEAM_SERVICE_ACCOUNTS.workload).metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': ARN,
    });
  });

  test("the team Secrets are prerequisites with an external store, and the bootstrap Job's with the embedded one", () => {
    const external = new Platform(new App(), 'platform', {
      mlflow: { artifactStore: { s3: { bucket: 'ml-artifacts', endpoint: 'https://s3.example.com' } } },
      teams: [{ name: 'risk', objectStore: { credentialsSecret: 'risk-s3' } }, { name: 'geo' }],
    });
    const secrets = (list: readonly { kind: string; namespace?: string; name: string }[]) =>
      list.filter((o) => o.kind === 'Secret' && o.namespace !== 'modelplane-system').map((o) => `${o.namespace}/${o.name}`);
    expect(secrets(external.prerequisites)).toEqual(['geo/modelplane-s3', 'risk/risk-s3']);
    // Declared in the platform file: listed once, as declared.
    const declared = new Platform(new App(), 'platform', {
      mlflow: { artifactStore: { s3: { bucket: 'ml-artifacts', endpoint: 'https://s3.example.com' } } },
      teams: [{ name: 'geo' }],
      prerequisites: [{ kind: 'Secret', namespace: 'geo', name: 'modelplane-s3', description: 'from Vault' }],
    });
    expect(declared.prerequisites.filter((p) => p.namespace === 'geo')).toEqual([
      expect.objectContaining({ name: 'modelplane-s3', description: 'from Vault' }),
    ]);
    const app = new App();
    const embedded = new Platform(app, 'platform', { teams: [{ name: 'risk' }, { name: 'geo' }] });
    expect(secrets(embedded.prerequisites)).toEqual([]);
    const provided = app.node
      .findAll()
      .flatMap((c) => (isObjectProvider(c) ? c.providedObjects() : []))
      .filter((o) => o.kind === 'Secret' && o.namespace !== 'modelplane-system');
    expect(provided.map((o) => `${o.namespace}/${o.name}`).sort()).toEqual(['geo/modelplane-s3', 'risk/modelplane-s3']);
  });

  test('embedded store: a team objectStore is refused, naming the fix', () => {
    expectIssue(() => new Platform(new App(), 'platform', { teams: [{ name: 'risk', objectStore: { credentialsSecret: 'risk-s3' } }] }), {
      construct: 'Platform "platform"',
      field: 'teams[0].objectStore',
      value: { credentialsSecret: 'risk-s3' },
    });
    expect(() => new Platform(new App(), 'platform', { teams: [{ name: 'risk', objectStore: {} }] })).toThrow(
      /set mlflow\.artifactStore\.s3 to use an external store/,
    );
  });
});
