import { AsyncSeriesHook } from 'tapable';
import { STAGE_LATE, ValidationError, formatState, type Kernel, type TempehPlugin, type TerraformState } from '@tempeh/core';
import { reaches, type Finding, type FindingSummary } from './findings.js';
import type { Severity } from './rules/catalog.js';
import { validateState, type CustomRule, type ValidationReport } from './validate-state.js';

export interface ValidatePluginOptions {
  /** Refuse a save when a finding is at least this severe. Default 'error'. */
  failOn?: Severity;
  /** Also validate every state after it is loaded (and refuse it the same way). Default false. */
  afterLoad?: boolean;
  /** Only these rules. Default: all. */
  rules?: readonly string[];
  /** Rules of other plugins, run in the workers too. */
  customRules?: readonly CustomRule[];
  /** A save with `force` skips validation (as it skips Terraform's serial rules). Default true. */
  skipWhenForced?: boolean;
}

/** What the `findings` hook receives besides the findings. */
export interface FindingsContext {
  readonly workspace: string;
  readonly operation: 'save' | 'load';
  readonly summary: FindingSummary;
  /** The state is refused: the save will not happen / the load fails. */
  readonly refused: boolean;
}

export interface ValidateHooks {
  /**
   * After every validation the plugin runs, with all findings, before a
   * refusal is thrown. A notification (backup may keep a copy aside, a
   * notifier may post): what taps return is ignored.
   */
  readonly findings: AsyncSeriesHook<[findings: readonly Finding[], context: FindingsContext]>;
}

const hooksByKernel = new WeakMap<Kernel, ValidateHooks>();

/**
 * Validation on a kernel: before every save (under the lock, before
 * anything is written) and, when configured, after every load. A state with
 * findings at or above `failOn` is refused with `ValidationError`
 * (`TEMPEH_E_VALIDATION`, carrying the findings; the kernel delivers it as
 * the cause of a PLUGIN_ERROR naming this plugin), unless the save is forced.
 */
export class ValidatePlugin implements TempehPlugin {
  readonly name = 'validate';
  readonly #options: ValidatePluginOptions;

  constructor(options: ValidatePluginOptions = {}) {
    this.#options = options;
  }

  /** This kernel's validate hooks (created on first use; other plugins tap them). */
  static getHooks(kernel: Kernel): ValidateHooks {
    let hooks = hooksByKernel.get(kernel);
    if (!hooks) {
      hooks = kernel.guardHooks(Object.freeze({ findings: new AsyncSeriesHook<[readonly Finding[], FindingsContext]>(['findings', 'context'], 'findings') }), 'validate');
      hooksByKernel.set(kernel, hooks);
    }
    return hooks;
  }

  apply(kernel: Kernel): void {
    const hooks = ValidatePlugin.getHooks(kernel);
    const failOn = this.#options.failOn ?? 'error';
    const check = async (state: TerraformState, workspace: string, operation: 'save' | 'load'): Promise<void> => {
      const report = await this.#validate(state);
      const refused = reaches(report.findings, failOn);
      await hooks.findings.promise(report.findings, { workspace, operation, summary: report.summary, refused });
      if (refused) {
        throw new ValidationError(`state '${workspace}'`, report.findings.filter((f) => reaches([f], failOn)));
      }
    };
    kernel.hooks.beforeSave.tapPromise({ name: this.name, stage: STAGE_LATE }, async (state, context) => {
      if (context.force && (this.#options.skipWhenForced ?? true)) return state;
      await check(state, context.workspace, 'save');
      return state;
    });
    if (this.#options.afterLoad) {
      kernel.hooks.afterLoad.tapPromise(this.name, async (state, context) => {
        await check(state, context.workspace, 'load');
        return state;
      });
    }
  }

  /** The state as Terraform would write it, validated in-process (it is in memory already). */
  #validate(state: TerraformState): Promise<ValidationReport> {
    const bytes = Buffer.from(formatState(state));
    return validateState(once(bytes), {
      rules: this.#options.rules,
      customRules: this.#options.customRules,
      size: bytes.byteLength,
    });
  }
}

/** `kernel.use(validatePlugin({ failOn: 'warning' }))` */
export function validatePlugin(options: ValidatePluginOptions = {}): ValidatePlugin {
  return new ValidatePlugin(options);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
