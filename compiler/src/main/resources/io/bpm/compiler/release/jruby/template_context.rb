# bpm's own evaluation context for BOSH job templates, written for bpm after the behaviour of the
# director's (bosh-template's EvaluationContext, PropertyHelper, EvaluationLink and
# EvaluationLinkInstance): the same methods, the same lookups, the same error messages, so a
# template renders here as the director renders it. Loaded once per JRuby runtime by
# io.bpm.compiler.release.jruby.JRubyEngine, which then locks the runtime down (BpmTemplate.lock_down)
# before any template runs.
#
# A template is compiled by io.bpm.compiler.release.ErbCompiler into Ruby that calls _bpm_t (a
# literal text chunk, by number) and _bpm_e (an expression's output, by number), so the engine
# knows which template place produced every character of the output (the line map).
require 'json'
require 'yaml'
require 'ostruct'
require 'stringio'
# What a template may 'require': loaded now, as the director has them loaded; anything else is
# refused (BpmTemplate.lock_down replaces require).
LIBRARIES = %w[json yaml psych ostruct stringio set date time shellwords base64 securerandom digest].freeze
LIBRARIES.each { |l| require l }

module BpmTemplate
  # What the director raises, with its messages (users search for them).
  class UnknownProperty < StandardError
    attr_reader :name
    def initialize(names)
      @name = names
      super("Can't find property '#{names}'")
    end
  end

  class UnknownLink < StandardError
    attr_reader :name
    def initialize(name)
      @name = name
      super("Can't find link '#{name}'")
    end
  end

  # Something only a director knows (a link's DNS address without a stub for it).
  class DirectorOnly < StandardError; end

  # The bounds of a render: raised into the template by the engine or by the output buffer.
  class Limit < Exception; end # not a StandardError: a template's 'rescue => e' must not swallow it

  # PropertyHelper#lookup_property: walk a dotted name; nil when any part is missing.
  def self.lookup(collection, name)
    return nil if collection.nil?
    ref = collection
    name.split('.').each do |key|
      ref = ref[key]
      return nil if ref.nil?
    end
    ref
  end

  # Hashes become OpenStructs all the way down, as the director's spec and properties objects are.
  def self.openstruct(object, klass = OpenStruct)
    case object
    when Hash then klass.new(object.each_with_object({}) { |(k, v), h| h[k] = openstruct(v, klass) })
    when Array then object.map { |item| openstruct(item, klass) }
    else object
    end
  end

  # The director's spec object: methods(false) lists the keys, as BackCompatOpenStruct does.
  class SpecStruct < OpenStruct
    def methods(regular = true)
      regular ? super(regular) : marshal_dump.keys.map(&:to_sym)
    end
  end

  # p / if_p over one property tree: the context, a link and a link's instance share them.
  module Properties
    def p(*args)
      names = Array(args[0])
      names.each do |name|
        result = BpmTemplate.lookup(bpm_property_tree, name)
        return result unless result.nil?
      end
      return args[1] if args.length == 2
      raise UnknownProperty.new(names)
    end

    def if_p(*names)
      values = names.map do |name|
        value = BpmTemplate.lookup(bpm_property_tree, name)
        return ActiveElseBlock.new(self) if value.nil?
        value
      end
      yield(*values)
      InactiveElseBlock.new
    end
  end

  class ActiveElseBlock
    def initialize(context)
      @context = context
    end

    def else
      yield
    end

    def else_if_p(*names, &block)
      @context.if_p(*names, &block)
    end

    def else_if_link(name, &block)
      @context.if_link(name, &block)
    end
  end

  class InactiveElseBlock
    def else; end

    def else_if_p(*_names)
      InactiveElseBlock.new
    end

    def else_if_link(_name)
      InactiveElseBlock.new
    end
  end

  class LinkInstance
    include Properties
    attr_reader :name, :index, :id, :az, :bootstrap, :properties

    def initialize(link_name, spec, properties)
      @link_name = link_name
      @spec = spec
      @name = spec['name']
      @index = spec['index']
      @id = spec['id']
      @az = spec['az']
      @bootstrap = spec['bootstrap']
      @properties = spec.key?('properties') ? spec['properties'] : properties
    end

    def address
      a = @spec['address']
      return a unless a.nil?
      raise DirectorOnly, "the address of link '#{@link_name}' instance #{@index.inspect} is known only to a BOSH director: " \
                          "give links.#{@link_name}.instances[#{@index.inspect}].address in --properties"
    end

    def bpm_property_tree
      @properties
    end
  end

  class Link
    include Properties
    attr_reader :instances, :properties

    def initialize(name, spec)
      @name = name
      @spec = spec
      @properties = spec['properties']
      @instances = (spec['instances'] || []).map { |i| LinkInstance.new(name, i, @properties) }
    end

    # The director answers from its DNS records; a stub answers from what it was given: the
    # address itself, a recorded query, or the query name the director's encoder would build.
    def address(criteria = {})
      criteria = criteria.to_h.transform_keys(&:to_s)
      if criteria.empty? && !@spec['address'].nil?
        return @spec['address']
      end
      # a recorded query: its criteria (azs, status) beside its result
      (@spec['address_queries'] || []).each do |q|
        return q['result'] if q.reject { |k, _| k == 'result' } == criteria.transform_values { |v| v.is_a?(Symbol) ? v.to_s : v }
      end
      group, network, deployment = @spec['instance_group'], @spec['network'], @spec['deployment']
      if group && network && deployment && (criteria.keys - %w[azs status]).empty?
        return "q-#{BpmTemplate.query_slug(criteria)}.#{group}.#{network}.#{deployment}.bosh"
      end
      raise DirectorOnly, "link '#{@name}' address#{criteria.empty? ? '' : "(#{criteria.inspect})"} is known only to a BOSH director: " \
                          "give links.#{@name}.address (or instance_group, network and deployment) in --properties"
    end

    def bpm_property_tree
      @properties
    end
  end

  STATUS = { nil => 0, 'default' => 0, 'unhealthy' => 1, 'healthy' => 3, 'all' => 4 }.freeze

  # The director's DNS query name: a<n> per az (z<n>), s<n> for the health status, sorted.
  def self.query_slug(criteria)
    parts = Array(criteria['azs']).map { |az| "a#{az.to_s.sub(/\Az/, '')}" }
    status = criteria['status']
    raise DirectorOnly, "link address status '#{status}' is not one the director knows" unless STATUS.key?(status)
    parts << "s#{STATUS[status]}"
    parts.sort.join
  end

  # The object a template is evaluated in: what the director's EvaluationContext offers.
  class Context
    include Properties
    attr_reader :name, :index, :raw_properties

    def initialize(spec, links, parts, limit)
      @name = spec['job'].is_a?(Hash) ? spec['job']['name'] : nil
      @index = spec['index']
      @spec_hash = spec
      @raw_properties = spec['properties'] || {}
      @links = links || {}
      @_bpm_parts = parts
      @_bpm_room = limit
    end

    # Built on first use: an OpenStruct defines a method per key, and most templates never ask.
    def spec
      @spec ||= BpmTemplate.openstruct(@spec_hash, SpecStruct)
    end

    def properties
      @properties ||= BpmTemplate.openstruct(@raw_properties)
    end

    def link(name)
      link_spec = BpmTemplate.lookup(@links, name)
      raise UnknownLink.new(name) if link_spec.nil? || !link_spec.key?('instances')
      Link.new(name, link_spec)
    end

    def if_link(name)
      link_spec = BpmTemplate.lookup(@links, name)
      return ActiveElseBlock.new(self) if link_spec.nil? || !link_spec.key?('instances')
      yield Link.new(name, link_spec)
      InactiveElseBlock.new
    end

    def bpm_property_tree
      @raw_properties
    end

    # The template sees the locals of the method that evaluates it: only these two, named so that
    # no template's own variables meet them.
    def _bpm_run(_bpm_code, _bpm_path)
      instance_eval(_bpm_code, _bpm_path, 1)
    end

    # A literal chunk of the template (ErbCompiler numbers them).
    def _bpm_t(chunk, text)
      _bpm_add(chunk, text)
    end

    # The output of a <%= %> tag, converted as ERB converts it.
    def _bpm_e(tag, value)
      raise TypeError, "no implicit conversion of #{value.class} into String" unless value.is_a?(String)
      _bpm_add(tag, value)
    end

    def _bpm_add(id, text)
      @_bpm_room -= text.bytesize
      raise Limit, 'output' if @_bpm_room.negative?
      @_bpm_parts << id << text
      nil
    end
  end

  # Renders compiled template code. Returns [parts] or [:error, kind, message, line] where kind is
  # the exception class's name and line the template line (0 when unknown).
  def self.render(code, path, spec_json, links_json, limit)
    parts = []
    spec = JSON.parse(spec_json)
    links = JSON.parse(links_json)
    context = Context.new(spec, links, parts, limit)
    begin
      context._bpm_run(code, path)
      [parts]
    rescue Exception => e # rubocop:disable Lint/RescueException -- every failure is a finding
      # JRuby's interpreter overflows the Java stack before Ruby's own check; the place is lost then
      return [:error, 'SystemStackError', 'stack level too deep (a recursion without end?)', 0] if e.class.name.to_s.end_with?('StackOverflowError')
      [:error, e.class.name.to_s, e.message.to_s, BpmTemplate.line_of(e, path)]
    end
  end

  def self.line_of(e, path)
    prefix = "#{path}:"
    [e.message.to_s, *Array(e.backtrace)].each do |where|
      where.to_s.each_line do |l|
        next unless l.start_with?(prefix)
        n = l[prefix.length..][/\A\d+/]
        return n.to_i if n
      end
    end
    0
  end

  # File as templates use it (File.dirname of a property is common): the path string functions,
  # in Ruby, with no file system behind them. It replaces ::File in lock_down.
  module PathFile
    SEPARATOR = '/'
    Separator = SEPARATOR
    ALT_SEPARATOR = nil
    PATH_SEPARATOR = ':'

    def self.dirname(path, level = 1)
      path = path.to_str
      level.times do
        stripped = path.sub(%r{(?<=.)/+\z}, '')
        i = stripped.rindex('/')
        path = if i.nil? then '.'
               elsif i.zero? then '/'
               else stripped[0...i].sub(%r{(?<=.)/+\z}, '')
               end
      end
      path
    end

    def self.basename(path, suffix = nil)
      path = path.to_str
      return path if path.empty?
      stripped = path.sub(%r{(?<=.)/+\z}, '')
      return '/' if stripped.match?(%r{\A/+\z})
      base = stripped.split('/').last || ''
      if suffix == '.*'
        i = base.rindex('.')
        base = base[0...i] if i && i.positive?
      elsif suffix && base.end_with?(suffix) && base != suffix
        base = base[0...(base.length - suffix.length)]
      end
      base
    end

    def self.extname(path)
      base = basename(path)
      i = base.rindex('.')
      return '' if i.nil? || i.zero?
      base[i..]
    end

    def self.split(path)
      [dirname(path), basename(path)]
    end

    def self.join(*parts)
      parts = parts.flatten.map(&:to_str)
      return '' if parts.empty?
      parts.each_with_index.reduce('') do |acc, (part, i)|
        next part if i.zero?
        if acc.end_with?('/') && part.start_with?('/') then acc + part.sub(%r{\A/+}, '')
        elsif acc.end_with?('/') || part.start_with?('/') then acc + part
        else "#{acc}/#{part}"
        end
      end
    end

    def self.absolute_path?(path)
      path.to_str.start_with?('/')
    end
  end

  # After this, a template can reach no file, process, network, thread, Java class or library
  # code it did not get: what could is removed from the runtime, for good.
  def self.lock_down
    sink = StringIO.new
    $stdout = sink
    $stderr = sink
    $stdin = StringIO.new
    kernel = %i[` system exec spawn fork open load require require_relative autoload syscall trap exit! abort
                at_exit gets readline readlines select test sleep set_trace_func trace_var untrace_var]
    [Kernel, Object].each do |m|
      kernel.each do |name|
        m.send(:undef_method, name) if m.method_defined?(name) || m.private_method_defined?(name)
      end
    end
    kernel.each do |name|
      Kernel.singleton_class.send(:undef_method, name) if Kernel.singleton_class.method_defined?(name) || Kernel.singleton_class.private_method_defined?(name)
    end
    # JRuby's bridge to Java: methods on every object and module, constants, package helpers.
    [Kernel, Object, BasicObject, Module, Class].each do |m|
      (m.instance_methods(false) + m.private_instance_methods(false)).each do |name|
        next unless name.to_s =~ /java|\A(org|com|import|include_package)\z/i
        m.send(:undef_method, name)
      end
    end
    (Kernel.singleton_class.instance_methods(false) + Kernel.singleton_class.private_instance_methods(false)).each do |name|
      Kernel.singleton_class.send(:undef_method, name) if name.to_s =~ /java|\A(org|com)\z/i
    end
    Thread.singleton_class.send(:undef_method, :new, :start, :fork)
    Object.constants.each do |c|
      next unless c.to_s =~ /java|jruby|\A(File|FileTest|Dir|IO|IOError.)\z|\A(STDIN|STDOUT|STDERR|ARGF|DATA|Process|Signal|ObjectSpace|RubyVM|Ractor|GC|TracePoint|ENV|Socket|BasicSocket|IPSocket|TCPSocket|UNIXSocket|Etc|Fcntl|Pathname)\z/i
      next if c == :IOError
      Object.send(:remove_const, c)
    end
    Object.const_set(:ENV, {}.freeze)
    Object.const_set(:File, PathFile)
    Kernel.module_eval do
      def require(name)
        return false if LIBRARIES.include?(name.to_s)
        raise LoadError, "cannot load such file -- #{name}: a template rendered by bpm may require only #{LIBRARIES.join(', ')}"
      end
      private :require
    end
    nil
  end
end
